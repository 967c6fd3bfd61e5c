package org.mos.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.io.Npy;
import org.mos.trainer.export.OrtRunner;
import org.mos.trainer.export.ResNetV2Spec;
import org.mos.trainer.export.WeightMap;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.weights.FormulaWeights;
import picocli.CommandLine;

class TrainerCommandTest {

  private static final String SMALL = "units=1,1,1,1/width=32";

  @TempDir Path dir;
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = new CommandLine(new TrainerCommand());
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  private static String fixture(String name) {
    return org.mos.trainer.imports.TorchCheckpointTestAccess.fixture(name).toString();
  }

  @Test
  void importsAPaperGroupCheckpointWithTheClassTableInGroupOrder() throws IOException {
    Path out = dir.resolve("bundle");
    int code =
        importTorch(
            "group.pth",
            "--layout",
            fixture("classes_group.tsv"),
            "--input-size",
            "32",
            "--out",
            out.toString());
    assertThat(code).as(err.toString()).isZero();
    try (ModelBundle bundle = ModelBundle.open(out)) {
      BundleManifest m = bundle.manifest();
      assertThat(m.groupSizes()).containsExactly(2, 3, 1);
      // classes_group.tsv: flat 0..5 sit at (1,0) (0,1) (2,0) (1,2) (0,0) (1,1); bundle order is
      // group order: (0,0)=flat 4, (0,1)=flat 1, (1,0)=flat 0, (1,1)=flat 5, (1,2)=flat 3, (2,0)=2
      assertThat(m.classNames())
          .containsExactly(
              "n00000104", "n00000101", "n00000100", "n00000105", "n00000103", "n00000102");
      assertThat(m.outputs()).startsWith("logits", "features").contains("stem", "block4");
      assertThat(m.provenance()).containsEntry("step", 500);
      assertThat(m.inputSize()).isEqualTo(32);
      String table = Files.readString(bundle.file("class_table.tsv"));
      // bundle class 2 is flat 0 at (1, 0): logit = slice start of group 1 (3) + 1 + 0 = 4
      assertThat(table).contains("\n2\tn00000100\t0\t1\t0\t4\n");
    }
  }

  @Test
  void importsAFlatCheckpointIntoAZip() throws IOException {
    Path zip = dir.resolve("flat.zip");
    int code = importTorch("flat.pth", "--layout", "flat", "--out", zip.toString(), "--zip");
    assertThat(code).as(err.toString()).isZero();
    assertThat(zip).isRegularFile();
    BundleManifest m = manifestAt(zip);
    assertThat(m.isGrouped()).isFalse();
    assertThat(m.classNames()).hasSize(5);
    assertThat(m.inputSize()).isEqualTo(480);
  }

  @Test
  void aLayoutThatDoesNotFitTheHeadFailsNamingTheCounts() {
    int code = importTorch("group.pth", "--layout", "2,2", "--out", dir.resolve("x").toString());
    assertThat(code).isEqualTo(1);
    assertThat(err.toString())
        .startsWith("import failed: group sizes sum to 4")
        .contains("the model has 9 logits");
    assertThat(dir.resolve("x")).doesNotExist();
  }

  @Test
  void importsBitWeightsWithoutALayoutAsAFlatHeadOverTheFilesClasses() throws IOException {
    Path npz =
        FormulaWeights.writeNpz(
            dir.resolve("bit.npz"),
            FormulaWeights.bitShapes(new int[] {1, 1, 1, 1}, 32, 5),
            Set.of(),
            Map.of());
    Path out = dir.resolve("bit");
    int code =
        run(
            "import",
            "--bit-npz",
            npz.toString(),
            "--arch",
            SMALL,
            "--no-gradient-graphs",
            "--out",
            out.toString());
    assertThat(code).as(err.toString()).isZero();
    BundleManifest m = manifestAt(out);
    assertThat(m.isGrouped()).isFalse();
    // the .npz head has 5 rows: 5 flat classes, unnamed
    assertThat(m.classNames())
        .containsExactly("class_0", "class_1", "class_2", "class_3", "class_4");
    assertThat(m.inputSize()).isEqualTo(480);
  }

  @Test
  void importOfAPaperCheckpointStillNeedsTheLayout() {
    int code = importTorch("group.pth", "--out", dir.resolve("x").toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required option: '--layout");
    assertThat(dir.resolve("x")).doesNotExist();
  }

  @Test
  void exportOfARunTakesItsArchitectureLayoutNamesAndInputSize() throws IOException {
    Path run = catDogFoxRun();
    Path out = dir.resolve("b");
    int code =
        export(run.resolve("checkpoint.npz"), "--no-gradient-graphs", "--out", out.toString());
    assertThat(code).as(err.toString()).isZero();
    BundleManifest m = manifestAt(out);
    assertThat(m.architecture()).isEqualTo(SMALL);
    assertThat(m.groupSizes()).containsExactly(1, 2);
    assertThat(m.classNames()).containsExactly("cat", "dog", "fox");
    assertThat(m.inputSize()).isEqualTo(64);
    assertThat(m.provenance()).containsEntry("step", 7);
    assertThat((String) m.provenance().get("training_config")).contains("\"mode\" : \"group\"");
  }

  @Test
  void explicitExportOptionsOverrideTheRunWhereTheyAgreeWithIt() throws IOException {
    Path run = catDogFoxRun();
    Path names = Files.writeString(dir.resolve("names.txt"), "tabby\nhound\nvixen\n");
    Path out = dir.resolve("b");
    int code =
        export(
            run,
            "--arch",
            "units=1,1,1,1/width=32",
            "--layout",
            "1,2",
            "--classes",
            names.toString(),
            "--input-size",
            "96",
            "--no-gradient-graphs",
            "--out",
            out.toString());
    assertThat(code).as(err.toString()).isZero();
    BundleManifest m = manifestAt(out);
    assertThat(m.classNames()).containsExactly("tabby", "hound", "vixen");
    assertThat(m.inputSize()).isEqualTo(96);
  }

  @Test
  void anExportLayoutThatContradictsTheRunFailsNamingBoth() throws IOException {
    Path run = catDogFoxRun();
    int code = export(run, "--layout", "2,1", "--out", out("b"));
    assertThat(code).isEqualTo(1);
    assertThat(err.toString())
        .contains("--layout 2,1 (3 classes in group sizes [2, 1])")
        .contains("trained a head of 3 classes in group sizes [1, 2]");
    assertThat(dir.resolve("b")).doesNotExist();
  }

  @Test
  void anExportArchitectureThatContradictsTheRunFailsNamingBoth() throws IOException {
    Path run = catDogFoxRun();
    int code = export(run, "--arch", "R50x1", "--out", out("b"));
    assertThat(code).isEqualTo(1);
    assertThat(err.toString())
        .contains("--arch R50x1 (units [3, 4, 6, 3], stem width 64)")
        .contains("trained units=1,1,1,1/width=32 (units [1, 1, 1, 1], stem width 32)");
  }

  @Test
  void exportClassNamesOfAnotherCountThanTheRunsFailNamingBothCounts() throws IOException {
    Path run = catDogFoxRun();
    Path names = Files.writeString(dir.resolve("names.txt"), "a\nb\nc\nd\n");
    int code = export(run, "--classes", names.toString(), "--out", out("b"));
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("got 4 class names for 3 classes");
  }

  /** {@link #trainingRun} of the small net with a head of groups [1, 2] over cat, dog, fox. */
  private Path catDogFoxRun() throws IOException {
    return trainingRun(new int[] {1, 1, 1, 1}, 5, "[ 1, 2 ]", "\"cat\", \"dog\", \"fox\"");
  }

  /** Runs {@code mos import} of the fixture {@code checkpoint} as the small net. */
  private int importTorch(String checkpoint, String... options) {
    String[] head = {"import", "--torch-checkpoint", fixture(checkpoint), "--arch", SMALL};
    return run(concat(head, options));
  }

  /** Runs {@code mos export} of {@code checkpoint} (a file or a training run's folder). */
  private int export(Path checkpoint, String... options) {
    return run(concat(new String[] {"export", "--checkpoint", checkpoint.toString()}, options));
  }

  private static String[] concat(String[] head, String[] tail) {
    String[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, all, head.length, tail.length);
    return all;
  }

  /** The manifest of the bundle at {@code path}. */
  private static BundleManifest manifestAt(Path path) throws IOException {
    try (ModelBundle bundle = ModelBundle.open(path)) {
      return bundle.manifest();
    }
  }

  private String out(String name) {
    return dir.resolve(name).toString();
  }

  /**
   * A training run's folder as {@code mos train} leaves it: a checkpoint at step 7 of a ResNetV2
   * with {@code units}, stem width 32 and {@code logits} head rows, the run's {@code model.json}
   * (input size 64) and {@code spec.json}.
   */
  private Path trainingRun(int[] units, int logits, String groupSizes, String names)
      throws IOException {
    Path run = Files.createDirectories(dir.resolve("run"));
    writeTrainerCheckpoint(
        run.resolve("checkpoint.npz"),
        FormulaWeights.weightMap(new ResNetV2Spec(units, 32, logits)),
        7);
    Files.writeString(
        run.resolve("model.json"),
        "{ \"architecture\" : \"units=1,1,1,1/width=32\", \"units\" : [ 1, 1, 1, 1 ],"
            + " \"stem_width\" : 32, \"head\" : \"group\", \"layout\" : { \"flat\" : false,"
            + " \"groupSizes\" : "
            + groupSizes
            + ", \"classNames\" : [ "
            + names
            + " ] }, \"input_size\" : 64, \"resize\" : 80, \"crop\" : 64, \"flip\" : true,"
            + " \"mean\" : [ 0.5, 0.5, 0.5 ], \"std\" : [ 0.5, 0.5, 0.5 ] }");
    Files.writeString(run.resolve("spec.json"), "{ \"mode\" : \"group\" }");
    return run;
  }

  @Test
  void exportOfACheckpointOutsideATrainingRunRequiresTheArchitecture() {
    int code = run("export", "--checkpoint", "c.npz", "--layout", "flat", "--out", "b");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required option: '--arch");
  }

  @Test
  void exportsATrainerCheckpointThatRunsLikeTheModel() throws Exception {
    int[] units = {1, 1, 1, 1};
    try (NDManager manager = NDManager.newBaseManager()) {
      ResNetV2 model = FormulaWeights.model(manager, dir.resolve("bit.npz"), units, 32, 4);
      Shape shape = new Shape(1, 3, 32, 32);
      Path run = Files.createDirectories(dir.resolve("run"));
      writeTrainerCheckpoint(run.resolve("checkpoint.npz"), WeightMap.of(model), 42);
      Path out = dir.resolve("exported");
      int code = export(run, "--arch", SMALL, "--layout", "1,1", "--out", out.toString());
      assertThat(code).as(err.toString()).isZero();
      float[] input = FormulaWeights.values("input", (int) shape.size());
      NDList djl =
          model.forward(
              new ParameterStore(manager, false), new NDList(manager.create(input, shape)), false);
      try (ModelBundle bundle = ModelBundle.open(out);
          OrtRunner ort = new OrtRunner(bundle.model())) {
        assertThat(bundle.manifest().groupSizes()).containsExactly(1, 1);
        assertThat(bundle.manifest().provenance()).containsEntry("step", 42);
        float[] got = ort.run(input, 1, 32, Set.of("logits")).get("logits");
        float[] want = djl.get(ResNetV2.OUTPUT_LOGITS).toFloatArray();
        for (int i = 0; i < want.length; i++) {
          assertThat((double) got[i])
              .as("logit %d", i)
              .isCloseTo(want[i], org.assertj.core.api.Assertions.within(1e-4));
        }
      }
    }
  }

  /** The trainer's checkpoint format (org.mos.trainer.train.Checkpoint): param/KEY, step. */
  private static void writeTrainerCheckpoint(Path file, WeightMap weights, long step)
      throws IOException {
    try (OutputStream os = Files.newOutputStream(file);
        ZipOutputStream zip = new ZipOutputStream(os)) {
      zip.putNextEntry(new ZipEntry("step.npy"));
      ByteBuffer s = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(step);
      Npy.write(zip, "<i8", new int[] {1}, s.array());
      zip.closeEntry();
      for (String key : weights.keys()) {
        WeightMap.Tensor t = weights.get(key);
        ByteBuffer buf = ByteBuffer.allocate(4 * t.values().length).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(t.values());
        zip.putNextEntry(new ZipEntry("param/" + key + ".npy"));
        Npy.write(zip, "<f4", t.shape(), buf.array());
        zip.closeEntry();
      }
    }
    assertThat(new String(Files.readAllBytes(file), 0, 2, StandardCharsets.US_ASCII))
        .isEqualTo("PK");
  }
}
