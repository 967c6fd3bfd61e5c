package org.mos.evaluator.evaluate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mos.common.score.MethodId;
import org.mos.common.score.OdinSettings;
import org.mos.common.score.ScoreMethod;

/**
 * Which (model, method) pairs a run scores, in table order: the paper's row order (MSP, ODIN,
 * Mahalanobis, Energy, KL matching, MOS, then MaxLogit; from the registry, {@link ScoreMethod}),
 * and the models' order within a method.
 *
 * <p>Without {@code --methods}, every model gives its default methods: a group-softmax model {@code
 * mos}, a flat one every method it supports. With {@code --methods}, {@code model:method} names one
 * pair; a plain {@code method} goes to the models whose defaults include it, or, when none does, to
 * every model that supports it (so {@code mos,msp} with a group and a flat bundle scores MOS on the
 * group bundle and MSP on the flat one).
 */
public final class MethodSelection {

  /**
   * Table order of the rows: the registry's paper row order ({@link ScoreMethod#paperRow}); a
   * combination or parameterised id ({@link MethodId}) after its method's plain row, by id.
   */
  static final Comparator<String> ROW_ORDER =
      Comparator.comparingInt((String id) -> MethodId.parse(id).paperRow())
          .thenComparing(id -> MethodId.parse(id).isPlain() ? 0 : 1)
          .thenComparing(
              id -> MethodId.parse(id).isPlain() ? MethodId.parse(id).plainMethod().ordinal() : 0)
          .thenComparing(Comparator.naturalOrder());

  /** One row of the results: a method scored by one model. */
  public record Row(ScoringModel model, String method, String label) {}

  private MethodSelection() {}

  /** The methods a model scores when none are named. */
  public static List<String> defaults(ScoringModel model) {
    List<String> supported = model.transport().methods();
    return supported.contains("mos") ? List.of("mos") : supported;
  }

  /**
   * Resolves {@code --methods} (null or empty = defaults) against the models.
   *
   * @throws IllegalArgumentException naming an unknown method or model, or a method no model (or
   *     not the named model) supports
   */
  public static List<Row> select(List<ScoringModel> models, List<String> wanted) {
    Map<ScoringModel, Set<String>> chosen = new LinkedHashMap<>();
    models.forEach(m -> chosen.put(m, new LinkedHashSet<>()));
    if (wanted == null || wanted.stream().allMatch(String::isBlank)) {
      models.forEach(m -> chosen.get(m).addAll(defaults(m)));
    } else {
      for (String item : wanted) {
        if (!item.isBlank()) {
          choose(models, item.strip(), chosen);
        }
      }
    }
    List<Row> rows = new ArrayList<>();
    Set<String> all = new java.util.TreeSet<>(ROW_ORDER);
    chosen.values().forEach(all::addAll);
    for (String method : all) {
      List<ScoringModel> with =
          models.stream().filter(m -> chosen.get(m).contains(method)).toList();
      for (ScoringModel m : with) {
        String label = MethodId.parse(method).label() + qualifier(method, m, with.size() > 1);
        rows.add(new Row(m, method, label));
      }
    }
    return rows;
  }

  /**
   * What tells a row apart in the table: the bundle's name when several bundles score the method,
   * and ODIN's settings unless they are the paper's (epsilon 0, T 1000).
   */
  private static String qualifier(String method, ScoringModel m, boolean several) {
    List<String> parts = new ArrayList<>();
    if (several) {
      parts.add(m.name());
    }
    if (method.equals(ScoreMethod.ODIN.id()) && !m.odin().equals(OdinSettings.PAPER_DEFAULT)) {
      parts.add(
          "eps "
              + OdinOptions.number(m.odin().epsilon())
              + ", T "
              + OdinOptions.number(m.odin().temperature()));
    }
    return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
  }

  private static void choose(
      List<ScoringModel> models, String item, Map<ScoringModel, Set<String>> chosen) {
    int colon = item.indexOf(':');
    if (colon >= 0) {
      String modelName = item.substring(0, colon);
      String method = MethodId.parse(item.substring(colon + 1)).id();
      ScoringModel model =
          models.stream()
              .filter(m -> m.name().equals(modelName))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "--methods '"
                              + item
                              + "' names bundle '"
                              + modelName
                              + "' but the bundles are "
                              + models.stream().map(ScoringModel::name).toList()));
      if (!MethodId.parse(method).supportedAmong(model.transport().methods())) {
        throw new IllegalArgumentException(
            "bundle '"
                + modelName
                + "' does not support method '"
                + method
                + "'; it supports "
                + model.transport().methods());
      }
      chosen.get(model).add(method);
      return;
    }
    String method = MethodId.parse(item).id();
    List<ScoringModel> byDefault =
        models.stream().filter(m -> defaults(m).contains(method)).toList();
    List<ScoringModel> targets =
        byDefault.isEmpty()
            ? models.stream()
                .filter(m -> MethodId.parse(method).supportedAmong(m.transport().methods()))
                .toList()
            : byDefault;
    if (targets.isEmpty()) {
      throw new IllegalArgumentException(
          "no bundle supports method '"
              + method
              + "' (mos needs a group-softmax bundle; kl, mahalanobis, react and dice need fitted"
              + " statistics; shaping methods need a head that explains the logits)");
    }
    targets.forEach(m -> chosen.get(m).add(method));
  }
}
