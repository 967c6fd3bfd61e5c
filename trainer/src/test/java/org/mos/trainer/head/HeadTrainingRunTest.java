package org.mos.trainer.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.image.ImageDecoder;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.InputBatch;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.inference.ScoredBatch;
import org.mos.common.io.NpyArray;
import org.mos.common.layout.GroupLayout;
import org.mos.common.score.FloatMatrix;
import org.mos.trainer.export.BundleClasses;
import org.mos.trainer.train.TrainSpec;
import org.mos.trainer.train.TrainingRun;
import org.mos.trainer.weights.Npz;

/**
 * {@code train --backbone}: a head trained on the demo's generated images over the frozen features
 * of a small BiT bundle, exported onto the backbone's graph, checked against the head's own math.
 */
class HeadTrainingRunTest {

  @TempDir static Path shared;

  private static Path data;
  private static Path backbone;

  @TempDir Path dir;

  @BeforeAll
  static void backboneAndData() throws Exception {
    data = Backbones.demoData(shared.resolve("data"));
    backbone = Backbones.bundle(shared.resolve("backbone"), 7, true);
  }

  private TrainSpec spec(String mode, int steps) {
    TrainSpec s = new TrainSpec();
    s.train = data.resolve("train").toString();
    s.val = data.resolve("val").toString();
    s.backbone = backbone.toString();
    s.mode = mode;
    s.groups = data.resolve("taxonomy.tsv").toString();
    s.steps = steps;
    s.batch = 32;
    s.baseLr = 0.05;
    s.threads = 1;
    s.logEvery = 5;
    s.checkpointEvery = 5;
    s.featureCache = shared.resolve("features").toString();
    s.out = dir.resolve("run-" + mode).toString();
    return s;
  }

  @Test
  void groupHeadIsExportedOnTheBackboneGraphAndItsLogitsAreFeaturesTimesWPlusB() throws Exception {
    TrainSpec s = spec("group", 20);
    List<String> log = new ArrayList<>();
    TrainingRun.Outcome outcome =
        new TrainingRun(
                s,
                new TrainingRun.Listener() {
                  @Override
                  public void onMessage(String line) {
                    log.add(line);
                  }
                },
                () -> false)
            .run();
    assertThat(outcome.step()).isEqualTo(20);
    assertThat(outcome.cancelled()).isFalse();
    Path out = Path.of(s.out);
    List<JsonNode> metrics = metrics(out);
    assertThat(metrics.get(0).path("loss").asDouble())
        .as("the loss falls")
        .isGreaterThan(metrics.get(metrics.size() - 1).path("loss").asDouble());
    assertThat(metrics.get(metrics.size() - 1).has("val_top1")).isTrue();
    assertThat(log).anyMatch(l -> l.startsWith("step 20/20") && l.contains("ETA"));
    assertThat(log).anyMatch(l -> l.contains("gradient graphs") || l.contains("not carried over"));

    GroupLayout layout = GroupLayout.read(data.resolve("taxonomy.tsv"));
    Map<String, NpyArray> checkpoint = Npz.read(out.resolve("checkpoint.npz"));
    float[] w = checkpoint.get("param/weight").toFloats();
    float[] b = checkpoint.get("param/bias").toFloats();
    assertThat(checkpoint.get("param/weight").shape()[0]).isEqualTo(layout.numLogits());

    Path exported = out.resolve("bundle");
    try (ModelBundle bundle = ModelBundle.open(exported);
        ModelBundle original = ModelBundle.open(backbone);
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu());
        BundleModel base = BundleModel.open(original, InferenceOptions.cpu())) {
      var manifest = bundle.manifest();
      assertThat(manifest.groupSizes())
          .containsExactlyElementsOf(Arrays.stream(layout.groupSizes()).boxed().toList());
      assertThat(manifest.classNames())
          .containsExactlyElementsOf(BundleClasses.of(layout, layout.numLogits()).names());
      assertThat(manifest.outputs()).isEqualTo(original.manifest().outputs());
      assertThat(manifest.inputSize()).isEqualTo(original.manifest().inputSize());
      // the backbone's fitted statistics are dropped; gradient graphs are rebuilt for the new head
      assertThat(manifest.statistics()).containsOnlyKeys("input_gradients");
      assertThat(manifest.checksums()).containsKeys("vjp_logits.onnx", "odin_gradient.onnx");
      assertThat(manifest.provenance().get("backbone_checksum")).isEqualTo(original.checksum());
      assertThat((String) manifest.provenance().get("gradient_graphs"))
          .startsWith("gradient graphs built by reverse-mode differentiation");
      assertThat(model.supportsInputPerturbation()).isTrue();

      List<Path> images = valImages(6);
      Map<String, FloatMatrix> outputs =
          run(model, images, BundleModel.LOGITS, BundleModel.FEATURES);
      FloatMatrix features = outputs.get(BundleModel.FEATURES);
      FloatMatrix logits = outputs.get(BundleModel.LOGITS);
      FloatMatrix baseFeatures = run(base, images, BundleModel.FEATURES).get(BundleModel.FEATURES);
      assertThat(features.toArray())
          .as("the backbone is unchanged")
          .containsExactly(baseFeatures.toArray());
      int d = features.cols();
      int k = layout.numLogits();
      assertThat(logits.cols()).isEqualTo(k);
      double scale = 1;
      double worst = 0;
      for (int r = 0; r < images.size(); r++) {
        for (int c = 0; c < k; c++) {
          double want = b[c];
          for (int j = 0; j < d; j++) {
            want += (double) features.get(r, j) * w[c * d + j];
          }
          scale = Math.max(scale, Math.abs(want));
          worst = Math.max(worst, Math.abs(want - logits.get(r, c)));
        }
      }
      assertThat(worst / scale).as("ONNX Runtime logits vs features W^T + b").isLessThan(1e-5);

      // MOS on the new bundle: - min over groups of p(others), from the logits by hand
      ScoredBatch scored =
          BundleScorer.of(bundle)
              .score(outputs, new ScoreRequest(List.of("mos"), 0.95, 0, false, false));
      for (int r = 0; r < images.size(); r++) {
        double minOthers = 1;
        for (int g = 0; g < layout.numGroups(); g++) {
          int from = layout.sliceStart(g);
          double sum = 0;
          for (int c = from; c < from + layout.sliceLength(g); c++) {
            sum += Math.exp(logits.get(r, c) - logits.get(r, from));
          }
          minOthers = Math.min(minOthers, 1 / sum);
        }
        assertThat(scored.images().get(r).scores().get("mos"))
            .isCloseTo(-minOthers, org.assertj.core.data.Offset.offset(1e-6));
      }
    }
  }

  @Test
  void aStoppedFlatRunResumesToTheSameHeadAsAnUninterruptedOne() throws Exception {
    TrainSpec whole = spec("flat", 12);
    whole.val = null;
    new TrainingRun(whole, new TrainingRun.Listener() {}, () -> false).run();

    TrainSpec stopped = spec("flat", 12);
    stopped.val = null;
    stopped.out = dir.resolve("stopped").toString();
    AtomicInteger checks = new AtomicInteger();
    TrainingRun.Outcome first =
        new TrainingRun(stopped, new TrainingRun.Listener() {}, () -> checks.incrementAndGet() > 5)
            .run();
    assertThat(first.cancelled()).isTrue();
    assertThat(first.step()).isEqualTo(5);
    assertThat(Path.of(stopped.out, "bundle")).doesNotExist();
    stopped.resume = true;
    List<String> log = new ArrayList<>();
    TrainingRun.Outcome second =
        new TrainingRun(
                stopped,
                new TrainingRun.Listener() {
                  @Override
                  public void onMessage(String line) {
                    log.add(line);
                  }
                },
                () -> false)
            .run();
    assertThat(second.step()).isEqualTo(12);
    assertThat(log).anyMatch(l -> l.startsWith("resumed from") && l.endsWith("at step 5"));
    assertThat(log).anyMatch(l -> l.contains("all ") && l.contains("images cached"));
    Map<String, NpyArray> a = Npz.read(Path.of(whole.out, "checkpoint.npz"));
    Map<String, NpyArray> c = Npz.read(Path.of(stopped.out, "checkpoint.npz"));
    assertThat(c.get("param/weight").toFloats()).containsExactly(a.get("param/weight").toFloats());
    assertThat(c.get("param/bias").toFloats()).containsExactly(a.get("param/bias").toFloats());
    try (ModelBundle bundle = ModelBundle.open(Path.of(stopped.out, "bundle"))) {
      assertThat(bundle.manifest().groupSizes()).isNull();
      assertThat(bundle.manifest().classNames())
          .isEqualTo(GroupLayout.read(data.resolve("taxonomy.tsv")).classNames());
    }
  }

  @Test
  void finetuningOptionsAreRefusedWithABackbone() {
    TrainSpec s = spec("group", 5);
    s.weights = "BiT-S-R101x1.npz";
    assertThatThrownBy(() -> new TrainingRun(s, new TrainingRun.Listener() {}, () -> false).run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--weights does not apply with --backbone");
  }

  private static List<JsonNode> metrics(Path out) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
      lines.add(json.readTree(line));
    }
    return lines;
  }

  private static List<Path> valImages(int n) throws Exception {
    try (Stream<Path> files = Files.walk(data.resolve("val"))) {
      return files.filter(p -> p.toString().endsWith(".png")).sorted().limit(n).toList();
    }
  }

  private static Map<String, FloatMatrix> run(
      BundleModel model, List<Path> images, String... outputs) throws Exception {
    InputBatch batch = model.newInputBatch(images.size());
    for (int i = 0; i < images.size(); i++) {
      batch.put(i, model.preprocess(ImageDecoder.pillowCompatible().decode(images.get(i))));
    }
    return model.run(batch, images.size(), List.of(outputs));
  }
}
