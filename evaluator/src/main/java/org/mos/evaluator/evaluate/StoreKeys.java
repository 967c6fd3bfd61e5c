package org.mos.evaluator.evaluate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.score.OdinSettings;
import org.mos.common.score.ScoreMethod;
import org.mos.evaluator.store.StoredScore;

/**
 * The names under which a run's methods keep their scores in the score store. The store belongs to
 * one bundle (its checksum), which fixes everything a method computes except what a run chooses:
 * ODIN's epsilon and temperature. So {@code odin} is stored as {@code odin@eps<E>@T<T>}, and a run
 * with other ODIN settings scores ODIN again instead of reusing scores that mean something else
 * (stores of earlier versions, which wrote a bare {@code odin}, get ODIN scored again once). Every
 * other method is stored under its id, a parameterised one with {@code ~} for {@code =} ({@code
 * ash-s@p~85}).
 */
final class StoreKeys {

  private final Map<String, String> byMethod = new LinkedHashMap<>();

  private StoreKeys(List<String> methods, OdinSettings odin) {
    for (String m : methods) {
      // a parameterised id (ash-s@p=85) holds '=', which the store's format uses
      byMethod.put(m, m.equals(ScoreMethod.ODIN.id()) ? odinKey(odin) : m.replace('=', '~'));
    }
  }

  /** The keys of {@code methods} when ODIN runs with {@code odin}. */
  static StoreKeys of(List<String> methods, OdinSettings odin) {
    return new StoreKeys(methods, odin);
  }

  /** {@code odin@eps<E>@T<T>}: no '=', ',' or ':', which the store's format uses. */
  static String odinKey(OdinSettings odin) {
    return ScoreMethod.ODIN.id() + "@eps" + odin.epsilon() + "@T" + odin.temperature();
  }

  /**
   * A record whose scores are keyed by method id, with its scores keyed as the store keeps them.
   */
  StoredScore toStore(StoredScore byId) {
    if (byId.failed()) {
      return byId;
    }
    return byId.withScores(rename(byId.scores(), true), rename(byId.methodSeconds(), true));
  }

  /**
   * A stored record as this run reads it: the scores of its methods that the store holds under
   * their keys, keyed by method id (scores of other settings left out).
   */
  StoredScore fromStore(StoredScore stored) {
    if (stored == null || stored.failed()) {
      return stored;
    }
    return stored.withScores(rename(stored.scores(), false), rename(stored.methodSeconds(), false));
  }

  private Map<String, Double> rename(Map<String, Double> values, boolean toStore) {
    Map<String, Double> out = new LinkedHashMap<>();
    byMethod.forEach(
        (method, key) -> {
          Double v = values.get(toStore ? method : key);
          if (v != null) {
            out.put(toStore ? key : method, v);
          }
        });
    return out;
  }
}
