package org.mos.evaluator.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.smallrye.mutiny.Multi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.ScoredBatch;
import org.mos.common.score.OdinSettings;

/**
 * Input perturbation in the in-process transport: Mahalanobis of a bundle fitted with a magnitude
 * equals the double-precision computation of {@link PerturbationFixtures}; ODIN with epsilon above
 * 0 equals {@code BundleScorer.score(model, batch, count, request)} on each image alone; a bundle
 * without gradient graphs is refused before anything is scored.
 */
class InProcessPerturbationTest {

  static final int[][] COLOURS = {
    {255, 0, 51},
    {204, 51, 102},
    {0, 255, 102},
    {51, 153, 0},
    {0, 51, 255},
    {102, 102, 204},
    {153, 153, 153},
    {204, 204, 0},
    {255, 255, 255}
  };

  @TempDir Path dir;
  Path bundle;
  List<ImageTask> tasks = new ArrayList<>();

  @BeforeEach
  void bundleAndImages() throws IOException {
    bundle = PerturbationFixtures.bundle(dir);
    for (int i = 0; i < COLOURS.length; i++) {
      Path file = dir.resolve("images/c" + i + ".png");
      PerturbationFixtures.solidPng(file, COLOURS[i]);
      tasks.add(new ImageTask(i, "set", "c" + i, file, -1));
    }
  }

  private List<ScoredImage> score(List<String> methods, OdinSettings odin) throws IOException {
    // batches of 4: the perturbation of an image must not depend on its batch mates
    try (InProcessTransport t =
        InProcessTransport.open(bundle, InferenceOptions.cpu(), 4, 2, 2, System::nanoTime)) {
      List<ScoredImage> out =
          new ArrayList<>(
              t.score(Multi.createFrom().iterable(tasks), methods, odin)
                  .collect()
                  .asList()
                  .await()
                  .atMost(Duration.ofSeconds(60)));
      out.sort((a, b) -> Long.compare(a.seq(), b.seq()));
      // every method's own scoring time is counted (ODIN's includes its perturbation passes;
      // comparing the methods' times would be a timing assertion, flaky on a shared machine)
      for (String m : methods) {
        assertThat(t.scoringSeconds().get(m)).as(m).isPositive();
      }
      return out;
    }
  }

  @Test
  void mahalanobisOfABundleFittedWithAMagnitudeScoresThePerturbedInputs() throws IOException {
    List<ScoredImage> out = score(List.of("mahalanobis", "msp"), null);
    assertThat(out).hasSize(COLOURS.length);
    double moved = 0;
    for (int i = 0; i < COLOURS.length; i++) {
      double want = PerturbationFixtures.REFERENCE.score(COLOURS[i], true);
      assertThat(out.get(i).scores().get("mahalanobis"))
          .as("image %d", i)
          .isCloseTo(want, within(1e-5));
      moved =
          Math.max(moved, Math.abs(want - PerturbationFixtures.REFERENCE.score(COLOURS[i], false)));
    }
    assertThat(moved).as("the perturbation changes the scores").isGreaterThan(0.01);
  }

  @Test
  void odinWithEpsilonEqualsTheBundleScorerOnEachImageAlone() throws Exception {
    OdinSettings odin = new OdinSettings(0.05, 2);
    List<ScoredImage> out = score(List.of("odin", "msp"), odin);
    double moved = 0;
    try (ReferenceScores reference = new ReferenceScores(bundle)) {
      for (int i = 0; i < COLOURS.length; i++) {
        List<byte[]> image = List.of(Files.readAllBytes(tasks.get(i).path()));
        ScoredBatch want = reference.score(image, List.of("odin", "msp"), odin);
        ScoredBatch plain =
            reference.score(image, List.of("odin"), new OdinSettings(0, odin.temperature()));
        double odinScore = want.images().get(0).scores().get("odin");
        assertThat(out.get(i).scores().get("odin"))
            .as("image %d", i)
            .isCloseTo(odinScore, within(1e-6));
        assertThat(out.get(i).scores().get("msp"))
            .isCloseTo(want.images().get(0).scores().get("msp"), within(1e-6));
        moved = Math.max(moved, Math.abs(odinScore - plain.images().get(0).scores().get("odin")));
      }
    }
    assertThat(moved).as("epsilon 0.05 changes the scores").isGreaterThan(1e-3);
  }

  @Test
  void refusesOdinPerturbationOnABundleWithoutGradientGraphs() throws IOException {
    Path plain = TransportFixtures.bundle(dir);
    try (InProcessTransport t =
        InProcessTransport.open(plain, InferenceOptions.cpu(), 4, 2, 2, System::nanoTime)) {
      assertThatThrownBy(
              () ->
                  t.score(
                      Multi.createFrom().iterable(tasks),
                      List.of("odin"),
                      new OdinSettings(0.01, 1000)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("epsilon 0.01")
          .hasMessageContaining("no gradient graphs");
    }
  }
}
