package org.mos.common.inference;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.mos.common.score.MethodId;
import org.mos.common.score.OodScore;
import org.mos.common.score.ScoreSettings;

/**
 * The combined and parameterised methods of one bundle ({@code mos+react}, {@code ash-s@p=85},
 * {@code knn@k=10}), made on demand from the bundle's settings and kept in a bounded cache: a
 * request may name any parameter value, and a DICE mask is C x D, so at most {@link #MAX_DERIVED}
 * are kept. Part of {@link BundleScorer}; thread-safe.
 */
final class DerivedMethods {

  /** At most this many combined or parameterised methods are kept (a DICE mask is C x D). */
  static final int MAX_DERIVED = 32;

  private final ScoreSettings settings;
  private final HeadCheck head;
  private final Map<String, MethodScorer> cache = new ConcurrentHashMap<>();

  DerivedMethods(ScoreSettings settings, HeadCheck head) {
    this.settings = settings;
    this.head = head;
  }

  /**
   * The scorer of a combined or parameterised id, or null when the bundle's settings lack what it
   * needs ({@link #why} says what).
   *
   * @throws IllegalArgumentException naming a bad parameter value
   */
  MethodScorer get(MethodId parsed) {
    if (parsed.isPlain() || !parsed.supportedBy(settings)) {
      return null;
    }
    String id = parsed.id();
    MethodScorer scorer = cache.get(id);
    if (scorer == null) {
      scorer = derive(parsed);
      if (cache.size() >= MAX_DERIVED) {
        cache.clear(); // request parameters must not grow the cache without bound
      }
      cache.put(id, scorer);
    }
    return scorer;
  }

  /** The number of methods kept now. */
  int size() {
    return cache.size();
  }

  private MethodScorer derive(MethodId parsed) {
    OodScore score = parsed.create(settings);
    if (parsed.shaping() == null) {
      return new PlainMethodScorer(parsed.score(), score, parsed.id());
    }
    return new ShapedMethodScorer(parsed.shaping(), parsed.id(), score, head);
  }

  /** Why a shaping method is not supported, for the error message; empty when not a shaping. */
  String why(MethodId parsed) {
    if (parsed.shaping() == null) {
      return "";
    }
    if (settings.head() == null) {
      return " (" + (head.refusal() != null ? head.refusal() : "no usable classifier head") + ")";
    }
    return switch (parsed.shaping()) {
      case REACT -> " (react needs its clip value: mos fit --react-fit, or react@clip=C)";
      case DICE -> " (dice needs its mean feature: mos fit --dice-fit)";
      default -> {
        try {
          parsed.create(settings);
          yield "";
        } catch (IllegalArgumentException e) {
          yield " (" + e.getMessage() + ")";
        }
      }
    };
  }
}
