package org.mos.common.score;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The one registry of OOD score method ids. Every method: higher = more in-distribution. */
public enum ScoreMethod {
  /** Minimum Others Score; needs a group layout. */
  MOS("mos", "-min_k p_k(others) over the groups of a group-softmax model (needs a group layout)"),
  /** Maximum softmax probability. */
  MSP("msp", "max softmax probability"),
  /** Maximum logit. */
  MAXLOGIT("maxlogit", "max logit"),
  /** Energy, temperature T (default 1). */
  ENERGY("energy", "T * logsumexp(logits / T), T default 1"),
  /** ODIN without input perturbation, temperature T (default 1000). */
  ODIN("odin", "max softmax(logits / T), T default 1000 (no input perturbation)"),
  /** KL matching; needs fitted class means. */
  KL("kl", "-min_c KL(softmax || d_c) (needs fitted class-mean softmax vectors)"),
  /** Mahalanobis; needs layer features and fitted statistics. */
  MAHALANOBIS(
      "mahalanobis",
      "-P(OOD) from per-layer Mahalanobis scores (needs layer features and fitted statistics)");

  private final String id;
  private final String description;

  ScoreMethod(String id, String description) {
    this.id = id;
    this.description = description;
  }

  /** The method id, e.g. {@code mos}. */
  public String id() {
    return id;
  }

  /** One line saying what the method computes. */
  public String description() {
    return description;
  }

  /** Whether the method reads only the logits. */
  public boolean needsOnlyLogits() {
    return this != MAHALANOBIS;
  }

  /**
   * The method with this id (case-insensitive).
   *
   * @throws IllegalArgumentException naming the id and the known ones
   */
  public static ScoreMethod byId(String id) {
    String wanted = id.strip().toLowerCase(Locale.ROOT);
    for (ScoreMethod m : values()) {
      if (m.id.equals(wanted)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown score method '" + id + "'; known: " + knownIds());
  }

  /** All ids, comma-separated, in registry order. */
  public static String knownIds() {
    return Arrays.stream(values()).map(ScoreMethod::id).collect(Collectors.joining(", "));
  }

  /**
   * Creates the score with the given settings.
   *
   * @throws IllegalArgumentException when the settings lack what the method needs
   */
  public OodScore create(ScoreSettings settings) {
    Double t = settings.temperature();
    return switch (this) {
      case MOS -> {
        if (settings.layout() == null) {
          throw new IllegalArgumentException("score method 'mos' needs a group layout");
        }
        yield new MinimumOthersScore(settings.layout());
      }
      case MSP -> new MaxSoftmaxProbability();
      case MAXLOGIT -> new MaxLogit();
      case ENERGY -> new EnergyScore(t == null ? EnergyScore.DEFAULT_TEMPERATURE : t);
      case ODIN -> new OdinScore(t == null ? OdinScore.DEFAULT_TEMPERATURE : t);
      case KL -> {
        if (settings.klMeans() == null) {
          throw new IllegalArgumentException(
              "score method 'kl' needs fitted class-mean softmax vectors");
        }
        yield new KlMatchingScore(settings.klMeans());
      }
      case MAHALANOBIS -> {
        if (settings.mahalanobis() == null) {
          throw new IllegalArgumentException(
              "score method 'mahalanobis' needs fitted Mahalanobis statistics");
        }
        yield new MahalanobisScore(settings.mahalanobis());
      }
    };
  }
}
