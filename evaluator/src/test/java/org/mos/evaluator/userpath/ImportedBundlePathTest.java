package org.mos.evaluator.userpath;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.onnx.ImportFixtures;
import org.mos.evaluator.cli.MosCommand;
import picocli.CommandLine;

/**
 * The path of a foreign classifier, end to end in-process: a torchvision ResNet exported to ONNX
 * (common's import fixtures) imported as a bundle, {@code mos fit} (KL means, Mahalanobis on the
 * penultimate features only, calibration), {@code mos evaluate} on tiny image folders with every
 * method that needs only logits and features, and the fitted bundle loaded by the scorer's {@code
 * BundleScorer}. The ID images are the fixture's three images filed under the classes PyTorch
 * predicts for them (5, 5, 7), so a correct bundle has ID accuracy 1.
 */
class ImportedBundlePathTest {

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int mos(String... args) {
    CommandLine cli = new CommandLine(new MosCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void importedTorchvisionModelFitsEvaluatesAndLoadsInTheScorer() throws Exception {
    Path bundle = dir.resolve("bundle");
    ImportFixtures.writeBundle("resnet18_w8_dynamic", dir.resolve("work"), bundle);
    Path id = dir.resolve("id");
    file(id, "class_5", "photo_157x107.png");
    file(id, "class_5", "portrait_97x131.png");
    file(id, "class_7", "flower_80x80.png");
    Path train = dir.resolve("train");
    file(train, "class_5", "photo_157x107.png");
    file(train, "class_5", "portrait_97x131.png");
    file(train, "class_7", "flower_80x80.png");
    noise(train.resolve("class_5"), 2, 1);
    noise(train.resolve("class_7"), 2, 2);
    Path far = dir.resolve("far");
    noise(far, 3, 3);

    Path fitted = dir.resolve("fitted");
    int code =
        mos(
            "fit",
            "--bundle",
            bundle.toString(),
            "--out",
            fitted.toString(),
            "--kl-fit",
            train.toString(),
            "--mahalanobis-fit",
            train.toString(),
            "--mahalanobis-combiner",
            "sum",
            "--mahalanobis-validation",
            id.toString(),
            "--calibrate",
            id.toString(),
            "--threads",
            "1",
            "--workers",
            "1");
    assertThat(code).as(err.toString()).isZero();
    try (ModelBundle b = ModelBundle.open(fitted)) {
      BundleManifest m = b.manifest();
      // no BiT block outputs: Mahalanobis falls back to the penultimate features
      assertThat(m.statistics().get("mahalanobis").parameters().get("layers"))
          .isEqualTo(List.of("features"));
      assertThat(m.statistics()).containsKeys("kl", "calibration");
    }

    Path report = dir.resolve("report");
    code =
        mos(
            "evaluate",
            "--id",
            id.toString(),
            "--ood",
            "far=" + far,
            "--bundle",
            "imported=" + fitted,
            "--out",
            report.toString(),
            "--batch-size",
            "2",
            "--threads",
            "1");
    assertThat(code).as(err.toString()).isZero();
    JsonNode r = new ObjectMapper().readTree(report.resolve("results.json").toFile());
    List<String> labels = new ArrayList<>();
    r.get("methods").forEach(m -> labels.add(m.get("label").asText()));
    assertThat(labels)
        .contains("MSP", "Energy", "MaxLogit", "KL matching", "Mahalanobis")
        .anyMatch(l -> l.startsWith("ODIN"));
    assertThat(r.get("id_accuracy").get("imported").asDouble()).isEqualTo(1.0);

    try (ModelBundle b = ModelBundle.open(fitted);
        BundleModel model = BundleModel.open(b, InferenceOptions.cpu())) {
      BundleScorer scorer = BundleScorer.of(b);
      assertThat(scorer.methods())
          .contains("msp", "maxlogit", "energy", "odin", "kl", "mahalanobis");
      assertThat(scorer.calibration()).isNotNull();
      assertThat(model.outputNames()).containsExactlyInAnyOrder("logits", "features");
    }
  }

  private void file(Path root, String folder, String image) throws IOException {
    Path target = root.resolve(folder);
    Files.createDirectories(target);
    Path copy = ImportFixtures.copy("images/" + image, Files.createTempDirectory(dir, "copy"));
    Files.move(copy, target.resolve(image));
  }

  /** {@code n} seeded noise PNGs of 70 x 90 pixels. */
  private static void noise(Path folder, int n, long seed) throws IOException {
    Files.createDirectories(folder);
    Random random = new Random(seed);
    for (int i = 0; i < n; i++) {
      BufferedImage img = new BufferedImage(70, 90, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < 90; y++) {
        for (int x = 0; x < 70; x++) {
          img.setRGB(x, y, random.nextInt(1 << 24));
        }
      }
      ImageIO.write(img, "png", folder.resolve("noise_" + seed + "_" + i + ".png").toFile());
    }
  }
}
