package org.mos.evaluator.transport;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.mos.common.score.ScoreMethod;

/** Puts method ids in the registry order of {@link ScoreMethod} (unknown ids last, as given). */
final class MethodOrder {

  private MethodOrder() {}

  static List<String> sorted(Collection<String> ids) {
    List<String> out = new ArrayList<>();
    for (ScoreMethod m : ScoreMethod.values()) {
      if (ids.contains(m.id())) {
        out.add(m.id());
      }
    }
    for (String id : ids) {
      if (!out.contains(id)) {
        out.add(id);
      }
    }
    return List.copyOf(out);
  }
}
