package org.mos.common.score;

import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one registry of OOD score methods: id, display label, row of the paper's table, what each
 * method needs, and how its score is created. Every method: higher = more in-distribution. The
 * evaluator's table order and labels, the scorer's supported methods and {@code mos score} all
 * derive from this list; adding a method means one entry here (see {@code
 * docs/adding-a-method.md}).
 */
public enum ScoreMethod {
  /** Minimum Others Score; needs a group layout. */
  MOS(
      "mos",
      "MOS",
      6,
      "-min_k p_k(others) over the groups of a group-softmax model (needs a group layout)",
      EnumSet.of(Need.LOGITS, Need.GROUP_LAYOUT)),
  /** Maximum softmax probability. */
  MSP("msp", "MSP", 1, "max softmax probability", EnumSet.of(Need.LOGITS)),
  /** Maximum logit. */
  MAXLOGIT("maxlogit", "MaxLogit", 7, "max logit", EnumSet.of(Need.LOGITS)),
  /** Energy, temperature T (default 1). */
  ENERGY("energy", "Energy", 4, "T * logsumexp(logits / T), T default 1", EnumSet.of(Need.LOGITS)),
  /**
   * ODIN, temperature T (default 1000); with epsilon above 0 it scores the logits of an input
   * perturbed by the gradient of its own loss.
   */
  ODIN(
      "odin",
      "ODIN",
      2,
      "max softmax(logits / T), T default 1000 (input perturbation with epsilon > 0 needs a model)",
      EnumSet.of(Need.LOGITS, Need.INPUT_GRADIENTS)),
  /** KL matching; needs fitted class means. */
  KL(
      "kl",
      "KL matching",
      5,
      "-min_c KL(softmax || d_c) (needs fitted class-mean softmax vectors)",
      EnumSet.of(Need.LOGITS, Need.FITTED_STATISTICS)),
  /** Mahalanobis; needs layer features and fitted statistics. */
  MAHALANOBIS(
      "mahalanobis",
      "Mahalanobis",
      3,
      "-P(OOD) from per-layer Mahalanobis scores (needs layer features and fitted statistics)",
      EnumSet.of(Need.LAYER_FEATURES, Need.FITTED_STATISTICS, Need.INPUT_GRADIENTS)),
  /** ReAct: energy of the head over features clipped at a fitted c. */
  REACT(
      "react",
      "ReAct",
      8,
      "energy of the head over features clipped at c (c fitted by mos fit --react-fit, or"
          + " react@clip=C)",
      EnumSet.of(Need.FEATURES, Need.HEAD, Need.FITTED_STATISTICS)),
  /** ASH-P: energy of the head over the top-k activations, the others zeroed. */
  ASH_P(
      "ash-p",
      "ASH-P",
      9,
      "energy of the head over the top (100-p)% activations, others zeroed (p default 90)",
      EnumSet.of(Need.FEATURES, Need.HEAD)),
  /** ASH-B: the top-k activations set to s1 / k. */
  ASH_B(
      "ash-b",
      "ASH-B",
      10,
      "energy of the head over the top (100-p)% activations set to sum/k (p default 90)",
      EnumSet.of(Need.FEATURES, Need.HEAD)),
  /** ASH-S: the top-k activations scaled by exp(s1 / s2). */
  ASH_S(
      "ash-s",
      "ASH-S",
      11,
      "energy of the head over the top (100-p)% activations times exp(s1/s2) (p default 90)",
      EnumSet.of(Need.FEATURES, Need.HEAD)),
  /** SCALE: every activation scaled by exp(s1 / s2). */
  SCALE(
      "scale",
      "SCALE",
      12,
      "energy of the head over all activations times exp(s1/s2) (p default 85)",
      EnumSet.of(Need.FEATURES, Need.HEAD)),
  /** DICE: energy of the head with weights sparsified by their mean contribution. */
  DICE(
      "dice",
      "DICE",
      13,
      "energy of the head keeping the weights whose mean contribution is above percentile p"
          + " (mean fitted by mos fit --dice-fit; p default 70)",
      EnumSet.of(Need.FEATURES, Need.HEAD, Need.FITTED_STATISTICS)),
  /** GEN: generalized entropy of the top-M softmax probabilities. */
  GEN(
      "gen",
      "GEN",
      14,
      "-sum over the M largest softmax probabilities of p^gamma (1-p)^gamma (gamma 0.1, M 100)",
      EnumSet.of(Need.LOGITS)),
  /** KNN (Sun et al. 2022); needs the fitted feature bank. */
  KNN(
      "knn",
      "KNN",
      15,
      "-squared L2 distance of the normalised features to their K-th nearest row of the fitted"
          + " bank (K: knn@k=N, else the fitted --knn-k, else 1000)",
      EnumSet.of(Need.FEATURES, Need.FITTED_STATISTICS)),
  /** ViM (Wang et al. 2022); needs the fitted origin, residual basis and alpha. */
  VIM(
      "vim",
      "ViM",
      16,
      "energy - alpha * ||(f - u) NS|| (needs the fitted origin u, residual basis NS, alpha)",
      EnumSet.of(Need.LOGITS, Need.FEATURES, Need.FITTED_STATISTICS));

  /** What a method reads or needs besides its parameters. */
  public enum Need {
    /** The logits of the model. */
    LOGITS,
    /** The penultimate (pre-logit) features, the bundle's {@code features} output. */
    FEATURES,
    /** The spatially averaged outputs of some layers, named by the fitted statistics. */
    LAYER_FEATURES,
    /**
     * The classifier head's weight and bias, read from the bundle's graph: activation-shaping
     * methods recompute the logits from shaped features.
     */
    HEAD,
    /** A group-softmax layout. */
    GROUP_LAYOUT,
    /** Statistics fitted on ID data and saved in the bundle ({@code mos fit}). */
    FITTED_STATISTICS,
    /**
     * The bundle's gradient graphs, when the method perturbs its input (ODIN with epsilon above 0,
     * Mahalanobis fitted with a magnitude above 0); scoring without perturbation does not need
     * them.
     */
    INPUT_GRADIENTS
  }

  private final String id;
  private final String label;
  private final int paperRow;
  private final String description;
  private final Set<Need> needs;

  ScoreMethod(String id, String label, int paperRow, String description, Set<Need> needs) {
    this.id = id;
    this.label = label;
    this.paperRow = paperRow;
    this.description = description;
    this.needs = Set.copyOf(needs);
  }

  /** The method id, e.g. {@code mos}. */
  public String id() {
    return id;
  }

  /** The name in tables and reports, e.g. {@code KL matching}. */
  public String label() {
    return label;
  }

  /**
   * The row of the method in the tables, 1 first: the MOS paper's row order (MSP, ODIN,
   * Mahalanobis, Energy, KL matching, MOS), then the methods the paper does not have.
   */
  public int paperRow() {
    return paperRow;
  }

  /** One line saying what the method computes. */
  public String description() {
    return description;
  }

  /** What the method reads or needs. */
  public Set<Need> needs() {
    return needs;
  }

  /** Whether the method needs {@code need}. */
  public boolean needs(Need need) {
    return needs.contains(need);
  }

  /** Whether the method reads only the logits (no features, no layer features). */
  public boolean needsOnlyLogits() {
    return !needs.contains(Need.LAYER_FEATURES) && !needs.contains(Need.FEATURES);
  }

  /**
   * Whether the method shapes the activations before the head (ReAct, ASH-P/B/S, SCALE, DICE): it
   * may be followed by any logit score, {@code score+shaping} ({@link MethodId}).
   */
  public boolean isShaping() {
    return switch (this) {
      case REACT, ASH_P, ASH_B, ASH_S, SCALE, DICE -> true;
      default -> false;
    };
  }

  /**
   * Whether the method can follow a shaping in a combination: it scores logits alone, without
   * perturbing the input (ODIN and Mahalanobis run the unshaped model on perturbed inputs).
   */
  public boolean scoresLogits() {
    return needsOnlyLogits() && !needs(Need.INPUT_GRADIENTS) && !isShaping();
  }

  /**
   * The parameters a method id may set ({@code ash-s@p=85}) and a bundle may store: ReAct's {@code
   * clip}; ASH's, SCALE's and DICE's percentile {@code p}; GEN's {@code gamma} and {@code m}; KNN's
   * {@code k}.
   */
  public List<String> parameterNames() {
    return switch (this) {
      case REACT -> List.of("clip");
      case ASH_P, ASH_B, ASH_S, SCALE, DICE -> List.of("p");
      case GEN -> List.of("gamma", "m");
      case KNN -> List.of("k");
      default -> List.of();
    };
  }

  /** Every method in table order ({@link #paperRow()}). */
  public static List<ScoreMethod> inTableOrder() {
    return Arrays.stream(values()).sorted(Comparator.comparingInt(ScoreMethod::paperRow)).toList();
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
   * Whether {@code settings} hold what the method needs (a group layout, its fitted statistics).
   */
  public boolean supportedBy(ScoreSettings settings) {
    return switch (this) {
      case MOS -> settings.layout() != null;
      case KL -> settings.klMeans() != null;
      case MAHALANOBIS -> settings.mahalanobis() != null;
      case KNN -> settings.knnBank() != null;
      case VIM -> settings.vim() != null;
      case REACT, ASH_P, ASH_B, ASH_S, SCALE, DICE -> MethodId.of(this).supportedBy(settings);
      default -> true;
    };
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
      case VIM -> {
        if (settings.vim() == null) {
          throw new IllegalArgumentException(
              "score method 'vim' needs fitted ViM statistics (mos fit --vim-fit)");
        }
        yield new VimScore(settings.vim());
      }
      case REACT, ASH_P, ASH_B, ASH_S, SCALE, DICE, GEN, KNN -> MethodId.of(this).create(settings);
    };
  }
}
