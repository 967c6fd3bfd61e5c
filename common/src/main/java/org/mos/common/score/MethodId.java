package org.mos.common.score;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A method id as users write it: a registry method ({@code msp}, {@code react}), or an activation
 * shaping followed by a logit score, {@code score+shaping} ({@code mos+react}, {@code msp+scale}; a
 * shaping alone means {@code energy+shaping}, as its authors score it), with optional parameters
 * {@code @name=value} ({@code ash-s@p=85}, {@code react@clip=1.0}, {@code gen@gamma=0.5@m=10},
 * {@code knn@k=10}) that override the bundle's stored values and the methods' defaults for this run
 * or request.
 *
 * <p>{@link #id()} is the canonical spelling (lower case, {@code energy+} dropped, parameters
 * sorted by name, numbers without trailing zeros): calibration scores, reports and responses use
 * it, so {@code Energy+ReAct} and {@code react} are one method.
 *
 * @param score the score of the logits (energy for a shaping alone)
 * @param shaping the shaping before the head, or null
 * @param parameters the parameters given in the id, by name
 */
public record MethodId(ScoreMethod score, ScoreMethod shaping, Map<String, Double> parameters) {

  public MethodId {
    parameters = java.util.Collections.unmodifiableMap(new TreeMap<>(parameters));
  }

  /** The plain registry method {@code method} (a shaping: scored by energy). */
  public static MethodId of(ScoreMethod method) {
    return method.isShaping()
        ? new MethodId(ScoreMethod.ENERGY, method, Map.of())
        : new MethodId(method, null, Map.of());
  }

  /**
   * Parses an id.
   *
   * @throws IllegalArgumentException naming the bad part and what is accepted
   */
  public static MethodId parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty method id; known: " + ScoreMethod.knownIds());
    }
    // a '+' in a URL query decodes to a space: "mos react" is mos+react
    String[] at = text.strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", "+").split("@", -1);
    String[] plus = at[0].split("\\+", -1);
    if (plus.length > 2) {
      throw new IllegalArgumentException(
          "method '" + text + "' combines more than one shaping; expected score+shaping");
    }
    ScoreMethod first = part(plus[0], text);
    ScoreMethod score;
    ScoreMethod shaping;
    if (plus.length == 1) {
      score = first.isShaping() ? ScoreMethod.ENERGY : first;
      shaping = first.isShaping() ? first : null;
    } else {
      score = first;
      shaping = part(plus[1], text);
      if (!shaping.isShaping()) {
        throw new IllegalArgumentException(
            "method '"
                + text
                + "': '"
                + shaping.id()
                + "' is not an activation shaping; a combination is score+shaping with shaping"
                + " one of "
                + shapings());
      }
      if (!score.scoresLogits()) {
        throw new IllegalArgumentException(
            "method '"
                + text
                + "': '"
                + score.id()
                + "' cannot follow a shaping; it must score logits alone, one of "
                + logitScores());
      }
    }
    Map<String, Double> params = new LinkedHashMap<>();
    List<String> allowed = new ArrayList<>(score.parameterNames());
    if (shaping != null) {
      allowed.addAll(shaping.parameterNames());
    }
    for (int i = 1; i < at.length; i++) {
      String item = at[i];
      int eq = item.indexOf('=');
      String name = eq < 0 ? item : item.substring(0, eq).strip();
      if (eq < 0 || !allowed.contains(name)) {
        throw new IllegalArgumentException(
            "method '"
                + text
                + "': parameter '"
                + item
                + "' is not name=value with a name of "
                + (allowed.isEmpty() ? "(none: this method takes no parameter)" : allowed));
      }
      String value = item.substring(eq + 1).strip();
      try {
        double v = Double.parseDouble(value);
        if (!Double.isFinite(v)) {
          throw new NumberFormatException();
        }
        params.put(name, v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "method '" + text + "': parameter " + name + " is '" + value + "', not a number");
      }
    }
    return new MethodId(score, shaping, params);
  }

  private static ScoreMethod part(String name, String text) {
    try {
      return ScoreMethod.byId(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown score method '"
              + name
              + (name.equals(text.strip().toLowerCase(Locale.ROOT)) ? "" : "' in '" + text)
              + "'; known: "
              + ScoreMethod.knownIds()
              + ", and score+shaping combinations such as mos+react");
    }
  }

  private static String shapings() {
    return java.util.Arrays.stream(ScoreMethod.values())
        .filter(ScoreMethod::isShaping)
        .map(ScoreMethod::id)
        .collect(Collectors.joining(", "));
  }

  private static String logitScores() {
    return java.util.Arrays.stream(ScoreMethod.values())
        .filter(ScoreMethod::scoresLogits)
        .map(ScoreMethod::id)
        .collect(Collectors.joining(", "));
  }

  /** The canonical id. */
  public String id() {
    StringBuilder b = new StringBuilder();
    if (shaping == null) {
      b.append(score.id());
    } else if (score == ScoreMethod.ENERGY) {
      b.append(shaping.id());
    } else {
      b.append(score.id()).append('+').append(shaping.id());
    }
    parameters.forEach((k, v) -> b.append('@').append(k).append('=').append(number(v)));
    return b.toString();
  }

  /** The name in tables, e.g. {@code MOS + ReAct (p 85)}. */
  public String label() {
    String base =
        shaping == null
            ? score.label()
            : score == ScoreMethod.ENERGY
                ? shaping.label()
                : score.label() + " + " + shaping.label();
    if (parameters.isEmpty()) {
      return base;
    }
    return base
        + " ("
        + parameters.entrySet().stream()
            .map(e -> e.getKey() + " " + number(e.getValue()))
            .collect(Collectors.joining(", "))
        + ")";
  }

  /** The table row: the shaping's row for a combination (next to it), else the method's. */
  public int paperRow() {
    return shaping != null ? shaping.paperRow() : score.paperRow();
  }

  /** Whether this is a registry method alone, without parameters. */
  public boolean isPlain() {
    return parameters.isEmpty() && (shaping == null || score == ScoreMethod.ENERGY);
  }

  /** The registry method this id is, when {@link #isPlain()}. */
  public ScoreMethod plainMethod() {
    return shaping != null ? shaping : score;
  }

  /** The value of parameter {@code name}: this id's, else the bundle's, else {@code fallback}. */
  private double value(ScoreSettings s, ScoreMethod method, String name, Double fallback) {
    Double v = parameters.get(name);
    if (v == null) {
      v = s.parametersOf(method.id()).get(name);
    }
    if (v == null) {
      v = fallback;
    }
    if (v == null) {
      throw new IllegalArgumentException(
          "method '"
              + id()
              + "' needs "
              + name
              + ": fit it (mos fit --"
              + method.id()
              + "-fit) or give it in the id ("
              + method.id()
              + "@"
              + name
              + "=VALUE)");
    }
    return v;
  }

  /**
   * Whether a model that lists {@code supported} registry ids (as a scorer's model info does)
   * supports this id: a combination when both parts are listed, a parameterised id when its method
   * is, and ReAct with its clip given ({@code react@clip=C}) when any shaping is (the model then
   * has a head, and the clip needs no fit).
   */
  public boolean supportedAmong(java.util.Collection<String> supported) {
    if (shaping == null) {
      return supported.contains(score.id());
    }
    boolean scoreOk = score == ScoreMethod.ENERGY || supported.contains(score.id());
    boolean shapingOk =
        supported.contains(shaping.id())
            || (shaping == ScoreMethod.REACT
                && parameters.containsKey("clip")
                && java.util.Arrays.stream(ScoreMethod.values())
                    .anyMatch(m -> m.isShaping() && supported.contains(m.id())));
    return scoreOk && shapingOk;
  }

  /** Whether {@code settings} hold what this method needs. */
  public boolean supportedBy(ScoreSettings settings) {
    if (shaping == null) {
      return score.supportedBy(settings);
    }
    if (!score.supportedBy(settings) || settings.head() == null) {
      return false;
    }
    return switch (shaping) {
      case REACT ->
          parameters.containsKey("clip") || settings.parametersOf("react").containsKey("clip");
      case DICE -> settings.diceMean() != null;
      default -> true;
    };
  }

  /**
   * Creates the score.
   *
   * @throws IllegalArgumentException naming what is missing (a head, fitted state) or a bad
   *     parameter value
   */
  public OodScore create(ScoreSettings settings) {
    OodScore base =
        switch (score) {
          case GEN ->
              new GenScore(
                  value(settings, score, "gamma", GenScore.DEFAULT_GAMMA),
                  integer(value(settings, score, "m", (double) GenScore.DEFAULT_M), "m"));
          case KNN -> knn(settings);
          default -> score.create(settings);
        };
    if (shaping == null) {
      return base;
    }
    HeadWeights head = settings.head();
    if (head == null) {
      throw new IllegalArgumentException(
          "method '"
              + id()
              + "' needs the classifier head's weight and bias, and this model has none that"
              + " explains its logits from its features");
    }
    LogitShaping s =
        switch (shaping) {
          case REACT -> new ReactShaping(head, value(settings, shaping, "clip", null));
          case ASH_P ->
              new AshShaping(
                  head, AshShaping.Variant.P, p(settings, AshShaping.DEFAULT_PERCENTILE));
          case ASH_B ->
              new AshShaping(
                  head, AshShaping.Variant.B, p(settings, AshShaping.DEFAULT_PERCENTILE));
          case ASH_S ->
              new AshShaping(
                  head, AshShaping.Variant.S, p(settings, AshShaping.DEFAULT_PERCENTILE));
          case SCALE -> new ScaleShaping(head, p(settings, ScaleShaping.DEFAULT_PERCENTILE));
          case DICE -> {
            double[] mean = settings.diceMean();
            if (mean == null) {
              throw new IllegalArgumentException(
                  "method '" + id() + "' needs DICE's fitted mean feature (mos fit --dice-fit)");
            }
            yield new DiceShaping(head, mean, p(settings, DiceShaping.DEFAULT_PERCENTILE));
          }
          default -> throw new IllegalStateException(shaping + " is not a shaping");
        };
    return new ShapedScore(id(), s, (LogitScore) base);
  }

  /** KNN with K from the id ({@code knn@k=10}), else the bundle's fitted K, else the default. */
  private KnnScore knn(ScoreSettings settings) {
    if (settings.knnBank() == null) {
      throw new IllegalArgumentException(
          "score method '" + id() + "' needs a fitted feature bank (mos fit --knn-fit)");
    }
    Integer fitted = settings.knnK();
    double k = value(settings, score, "k", (double) (fitted == null ? KnnScore.DEFAULT_K : fitted));
    return new KnnScore(settings.knnBank(), integer(k, "k"), settings.knnIndex());
  }

  private double p(ScoreSettings settings, double fallback) {
    return value(settings, shaping, "p", fallback);
  }

  private int integer(double v, String name) {
    if (v != Math.rint(v) || v < 1 || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "method '"
              + id()
              + "': "
              + score.id()
              + " "
              + name
              + " is "
              + number(v)
              + "; expected an integer >= 1");
    }
    return (int) v;
  }

  /** A number as ids write it: {@code 90}, {@code 0.1}, {@code 1.27}. */
  public static String number(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  @Override
  public String toString() {
    return id();
  }
}
