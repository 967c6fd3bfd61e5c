package org.mos.evaluator.transport;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import org.mos.common.score.MethodId;
import org.mos.common.score.ScoreMethod;

/**
 * Puts method ids in the registry order of {@link ScoreMethod}, a combination or parameterised id
 * ({@link MethodId}) after its shaping's plain id (unknown ids last, as given).
 */
final class MethodOrder {

  private MethodOrder() {}

  static List<String> sorted(Collection<String> ids) {
    List<String> known = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (String id : ids) {
      try {
        MethodId.parse(id);
        if (!known.contains(id)) {
          known.add(id);
        }
      } catch (IllegalArgumentException e) {
        if (!unknown.contains(id)) {
          unknown.add(id);
        }
      }
    }
    known.sort(Comparator.comparingInt(MethodOrder::rank));
    known.addAll(unknown);
    return List.copyOf(known);
  }

  /** The registry position of the id's method (its shaping for a combination), stable otherwise. */
  private static int rank(String id) {
    MethodId m = MethodId.parse(id);
    return m.plainMethod().ordinal() * 2 + (m.isPlain() ? 0 : 1);
  }
}
