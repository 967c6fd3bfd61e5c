package org.mos.trainer.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluator commands of {@code mos demo}. The expected argument lists are those the launcher's
 * shell code ran before the pipeline moved into Java, written out by hand for {@code --out o}.
 */
class DemoEvaluationTest {

  @TempDir Path dir;

  /**
   * {@code mos fit} of the flat bundle for {@code --out o}: KL on the validation set with labels,
   * Mahalanobis on the training set with {@code mahalanobis} options, calibration on validation
   * (after the shaping and feature-space fits).
   */
  private static List<String> expectedFitFlat(String... mahalanobis) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "fit",
                "--bundle",
                "o/bundles/flat",
                "--out",
                "o/bundles/flat-fitted",
                "--replace",
                "--kl-fit",
                "o/data/val",
                "--kl-labels",
                "true",
                "--mahalanobis-fit",
                "o/data/train"));
    args.addAll(List.of(mahalanobis));
    args.addAll(List.of("--react-fit", "o/data/val", "--dice-fit", "o/data/train"));
    args.addAll(List.of("--knn-fit", "o/data/train", "--knn-k", "50", "--vim-fit", "o/data/train"));
    args.addAll(List.of("--calibrate", "o/data/val"));
    return args;
  }

  @Test
  void fitsTheFlatBundleOnThePreLogitLayerByDefault() {
    assertThat(new DemoEvaluation(Path.of("o"), false).fitFlat())
        .containsExactlyElementsOf(
            expectedFitFlat(
                "--mahalanobis-layers",
                "features",
                "--mahalanobis-combiner",
                "single:features",
                "--mahalanobis-validation",
                "o/data/val"));
  }

  @Test
  void tunesMahalanobisOnFiveLayersAndTheMixedValidationListWhenAsked() {
    assertThat(new DemoEvaluation(Path.of("o"), true).fitFlat())
        .containsExactlyElementsOf(
            expectedFitFlat(
                "--mahalanobis-layers",
                "stem,block1,block2,block3,block4",
                "--mahalanobis-tune",
                "--mahalanobis-count",
                "150",
                "--mahalanobis-validation",
                "o/data/val_flat_mixed.txt"));
  }

  @Test
  void fitsTheGroupBundlesShapingStateAndCalibratesIt() {
    assertThat(new DemoEvaluation(Path.of("o"), true).fitGroup())
        .containsExactly(
            "fit",
            "--bundle",
            "o/bundles/group",
            "--out",
            "o/bundles/group-fitted",
            "--replace",
            "--react-fit",
            "o/data/val",
            "--dice-fit",
            "o/data/train",
            "--calibrate",
            "o/data/val");
  }

  @Test
  void evaluatesBothFittedBundlesOnEveryOodSetWithOdinPerturbed() {
    assertThat(new DemoEvaluation(Path.of("o"), false).evaluate(List.of("far-noise", "near")))
        .containsExactly(
            "evaluate",
            "--id",
            "o/data/test",
            "--ood",
            "far-noise=o/data/ood/far-noise",
            "--ood",
            "near=o/data/ood/near",
            "--bundle",
            "group=o/bundles/group-fitted",
            "--bundle",
            "flat=o/bundles/flat-fitted",
            "--odin-eps",
            "0.0014",
            "--odin-temperature",
            "1000",
            "--methods",
            "group:mos,group:mos+react,group:mos+ash-p,group:mos+ash-b,group:mos+ash-s,"
                + "group:mos+scale,group:mos+dice,flat:msp,flat:odin,flat:mahalanobis,"
                + "flat:energy,flat:kl,flat:maxlogit,flat:react,flat:ash-p,flat:ash-b,"
                + "flat:ash-s,flat:scale,flat:dice,flat:gen,flat:knn,flat:vim",
            "--out",
            "o/report");
  }

  @Test
  void theOodSetsAreTheVisibleFoldersInNameOrder() throws IOException {
    for (String name : List.of("near-shapes", "far-textures", ".hidden", "far-noise")) {
      Files.createDirectories(dir.resolve(name));
    }
    Files.writeString(dir.resolve("notes.txt"), "not a set");
    assertThat(DemoEvaluation.oodSets(dir))
        .containsExactly("far-noise", "far-textures", "near-shapes");
  }

  @Test
  void theMixedOrderTakesLineITimes7919ModN() {
    // n = 5: 7919 = 4 (mod 5), so i -> 4i mod 5 = 0, 4, 3, 2, 1
    assertThat(DemoEvaluation.mixedOrder(List.of("a", "b", "c", "d", "e")))
        .containsExactly("a", "e", "d", "c", "b");
    // n = 7: 7919 = 2 (mod 7), so i -> 2i mod 7 = 0, 2, 4, 6, 1, 3, 5
    assertThat(DemoEvaluation.mixedOrder(List.of("0", "1", "2", "3", "4", "5", "6")))
        .containsExactly("0", "2", "4", "6", "1", "3", "5");
    assertThat(DemoEvaluation.mixedOrder(List.of())).isEmpty();
  }

  @Test
  void theMixedListKeepsEveryLineAsAwkReadsThem() throws IOException {
    // awk's records: lines ending at \n, an empty line included, the last one with or without \n
    Path list = dir.resolve("val_flat.txt");
    Path mixed = dir.resolve("val_flat_mixed.txt");
    Files.writeString(list, "a 0\n\nc 2\nd 3\ne 4");
    DemoEvaluation.writeMixedOrder(list, mixed);
    assertThat(Files.readString(mixed)).isEqualTo("a 0\ne 4\nd 3\nc 2\n\n");
    Files.writeString(list, "a 0\nb 1\n");
    DemoEvaluation.writeMixedOrder(list, mixed);
    // n = 2: 7919 is odd, so i -> i mod 2
    assertThat(Files.readString(mixed)).isEqualTo("a 0\nb 1\n");
  }
}
