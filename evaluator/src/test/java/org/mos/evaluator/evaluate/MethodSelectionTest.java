package org.mos.evaluator.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.mutiny.Multi;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mos.common.score.OdinSettings;
import org.mos.evaluator.transport.ImageTask;
import org.mos.evaluator.transport.ScoredImage;
import org.mos.evaluator.transport.ScoringTransport;

class MethodSelectionTest {

  static ScoringModel model(String name, List<String> methods) {
    ScoringTransport t =
        new ScoringTransport() {
          @Override
          public String name() {
            return "fake";
          }

          @Override
          public List<String> methods() {
            return methods;
          }

          @Override
          public String modelChecksum() {
            return "00";
          }

          @Override
          public Multi<ScoredImage> score(
              Multi<ImageTask> tasks, List<String> m, OdinSettings odin) {
            return Multi.createFrom().empty();
          }

          @Override
          public void close() {}
        };
    return new ScoringModel(
        name, name, t, List.of("a"), null, Map.of(), OdinSettings.PAPER_DEFAULT, false, false);
  }

  final ScoringModel group = model("mos", List.of("mos", "msp", "maxlogit", "energy", "odin"));
  final ScoringModel flat = model("flat", List.of("msp", "maxlogit", "energy", "odin", "kl"));

  static List<String> rows(List<MethodSelection.Row> rows) {
    return rows.stream().map(r -> r.label() + "@" + r.model().name()).toList();
  }

  @Test
  void defaultsAreMosForAGroupBundleAndEveryMethodOfAFlatOneInPaperOrder() {
    assertThat(rows(MethodSelection.select(List.of(group, flat), null)))
        .containsExactly(
            "MSP@flat", "ODIN@flat", "Energy@flat", "KL matching@flat", "MOS@mos", "MaxLogit@flat");
  }

  @Test
  void aPlainMethodGoesToTheBundlesWhoseDefaultsHaveIt() {
    assertThat(rows(MethodSelection.select(List.of(group, flat), List.of("energy", "mos"))))
        .containsExactly("Energy@flat", "MOS@mos");
  }

  @Test
  void aPlainMethodNoBundleHasByDefaultGoesToEveryBundleSupportingIt() {
    ScoringModel other = model("g2", List.of("mos", "msp"));
    assertThat(rows(MethodSelection.select(List.of(group, other), List.of("msp"))))
        .containsExactly("MSP (mos)@mos", "MSP (g2)@g2");
  }

  @Test
  void aBundlePrefixPicksOnePair() {
    assertThat(rows(MethodSelection.select(List.of(group, flat), List.of("mos:msp", "flat:msp"))))
        .containsExactly("MSP (mos)@mos", "MSP (flat)@flat");
  }

  @Test
  void refusesUnknownBundlesAndUnsupportedPairs() {
    assertThatThrownBy(() -> MethodSelection.select(List.of(group, flat), List.of("x:msp")))
        .hasMessageContaining("names bundle 'x' but the bundles are [mos, flat]");
    assertThatThrownBy(() -> MethodSelection.select(List.of(group, flat), List.of("flat:mos")))
        .hasMessageContaining("bundle 'flat' does not support method 'mos'");
    assertThatThrownBy(() -> MethodSelection.select(List.of(group), List.of("entropy")))
        .hasMessageContaining("unknown score method 'entropy'");
  }
}
