package org.mos.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.BundleTaxonomy;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.layout.GroupLayout;
import picocli.CommandLine;

/**
 * {@code mos import --onnx} on the torchvision fixtures of {@code
 * scripts/fixtures/make_import_fixtures.py} (common's test resources): options, presets, class
 * tables and refusals. The graph analysis and the parity with PyTorch are common's {@code
 * OnnxImportTest}.
 */
class OnnxImportCommandTest {

  private static final Path FIXTURES = Path.of("../common/src/test/resources/fixtures/onnx-import");

  @TempDir Path dir;
  private final StringWriter err = new StringWriter();
  private final StringWriter out = new StringWriter();

  private int run(String... args) {
    CommandLine cli = new CommandLine(new TrainerCommand());
    cli.setErr(new PrintWriter(err, true));
    cli.setOut(new PrintWriter(out, true));
    return cli.execute(args);
  }

  private static String fixture(String name) {
    return FIXTURES.resolve(name).toString();
  }

  @Test
  void importsATorchvisionResNetWithExplicitPreprocessing() throws IOException {
    Path names = Files.write(dir.resolve("names.txt"), classNames(10, "c"));
    Path bundle = dir.resolve("resnet");
    int code =
        run(
            "import",
            "--onnx",
            fixture("resnet18_w8_dynamic.onnx"),
            "--layout",
            "flat",
            "--classes",
            names.toString(),
            "--input-size",
            "64",
            "--resize",
            "73",
            "--mean",
            "0.485,0.456,0.406",
            "--std",
            "0.229,0.224,0.225",
            "--out",
            bundle.toString());
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("graph: input 'input' -> input, logits 'output' -> logits")
        .contains("batch dynamic")
        .contains("Resize(73, bilinear) + CenterCrop(64)")
        .contains("gradient graphs built by reverse-mode differentiation");
    try (ModelBundle b = ModelBundle.open(bundle)) {
      BundleManifest m = b.manifest();
      assertThat(m.architecture()).isEqualTo("resnet18_w8_dynamic");
      assertThat(m.inputSize()).isEqualTo(64);
      assertThat(m.preprocessing()).isEqualTo(new BundleManifest.Preprocessing(73, "bilinear"));
      assertThat(m.mean()).containsExactly(0.485, 0.456, 0.406);
      assertThat(m.std()).containsExactly(0.229, 0.224, 0.225);
      assertThat(m.outputs()).containsExactly("logits", "features");
      assertThat(m.classNames()).containsExactlyElementsOf(classNames(10, "c"));
      assertThat(m.groupSizes()).isNull();
      assertThat(m.statistics()).containsOnlyKeys("input_gradients");
      assertThat(b.manifest().checksums()).containsKeys("vjp_logits.onnx", "odin_gradient.onnx");
      assertThat((String) m.provenance().get("gradient_graphs"))
          .startsWith("gradient graphs built by reverse-mode differentiation");
    }
  }

  @Test
  void presetTorchvisionWithOverridesRewritesAFixedBatch() throws IOException {
    Path bundle = dir.resolve("mobilenet");
    int code =
        run(
            "import",
            "--onnx",
            fixture("mobilenet_v3_small_fixed.onnx"),
            "--layout",
            "flat",
            "--preset",
            "torchvision",
            "--input-size",
            "64",
            "--resize",
            "72",
            "--interpolation",
            "bicubic",
            "--out",
            bundle.toString());
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).contains("batch fixed at 1, rewritten to N");
    try (ModelBundle b = ModelBundle.open(bundle)) {
      BundleManifest m = b.manifest();
      assertThat(m.preprocessing()).isEqualTo(new BundleManifest.Preprocessing(72, "bicubic"));
      assertThat(m.mean()).containsExactly(0.485, 0.456, 0.406);
      assertThat(m.classNames()).hasSize(10).startsWith("class_0");
    }
  }

  @Test
  void presetBitIsASquareResizeWithHalfNormalisation() throws IOException {
    Path bundle = dir.resolve("vit");
    int code =
        run(
            "import",
            "--onnx",
            fixture("vit_tiny_dynamic.onnx"),
            "--layout",
            "flat",
            "--preset",
            "bit",
            "--out",
            bundle.toString());
    assertThat(code).as(err.toString()).isZero();
    try (ModelBundle b = ModelBundle.open(bundle)) {
      // the graph fixes 32 x 32, which wins over the preset's 480 when --input-size is absent
      assertThat(b.manifest().inputSize()).isEqualTo(32);
      assertThat(b.manifest().preprocessing()).isNull();
      assertThat(b.manifest().mean()).containsExactly(0.5, 0.5, 0.5);
    }
  }

  @Test
  void presetTorchvisionOnAnotherCropAsksForTheResize() {
    int code =
        run(
            "import",
            "--onnx",
            fixture("vit_tiny_dynamic.onnx"),
            "--layout",
            "flat",
            "--preset",
            "torchvision",
            "--out",
            dir.resolve("b").toString());
    assertThat(code).isEqualTo(1);
    assertThat(err.toString())
        .contains("--preset torchvision resizes the shorter side to 256 for its 224-pixel crop")
        .contains("the crop here is 32 (the graph's fixed input size): give --resize too");
  }

  @Test
  void refusesAnInputSizeTheGraphDoesNotTake() {
    int code =
        run(
            "import",
            "--onnx",
            fixture("vit_tiny_dynamic.onnx"),
            "--layout",
            "flat",
            "--preset",
            "torchvision",
            "--input-size",
            "224",
            "--out",
            dir.resolve("b").toString());
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("vit_tiny_dynamic.onnx: --input-size 224 but the graph's");
  }

  @Test
  void asksForTheNormalisationWithoutAPreset() {
    int code =
        run(
            "import",
            "--onnx",
            fixture("resnet18_w8_dynamic.onnx"),
            "--layout",
            "flat",
            "--input-size",
            "64",
            "--mean",
            "0.5,0.5,0.5",
            "--out",
            dir.resolve("b").toString());
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("give --mean and --std").contains("--preset");
  }

  @Test
  void refusesASoftmaxOutputNamingTheOptionThatResolvesIt() {
    int code =
        run(
            "import",
            "--onnx",
            fixture("softmax_output.onnx"),
            "--layout",
            "flat",
            "--preset",
            "bit",
            "--input-size",
            "16",
            "--out",
            dir.resolve("b").toString());
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("is the Softmax of").contains("--logits-output");
  }

  @Test
  void requiresTheLayout() {
    int code =
        run("import", "--onnx", fixture("resnet18_w8_dynamic.onnx"), "--out", dir.toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required option: '--layout=<layout>' with --onnx");
  }

  @Test
  void refusesOnnxOptionsWithOtherSources() {
    int code =
        run("import", "--bit-npz", "x.npz", "--arch", "R50x1", "--preset", "bit", "--out", "b");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("apply to --onnx only");
  }

  @Test
  void usageShowsArchRequiredForWeightsAndTheOnnxForm() {
    run("import", "--help");
    assertThat(out.toString())
        .contains("(--bit-npz FILE | --torch-checkpoint FILE) --arch NAME")
        .contains("mos import --onnx FILE --layout flat|SIZES|TSV");
  }

  /** Ten classes whose table order (flat_index) is not their sorted order, in two MOS groups. */
  private Path table() throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("wnid\tflat_index\tgroup\tindex_in_group");
    // names n09 .. n00 get flat_index 0 .. 9 (reverse of sorted); even flat -> group 0
    for (int f = 0; f < 10; f++) {
      lines.add("n0" + (9 - f) + "\t" + f + "\t" + (f % 2) + "\t" + (f / 2));
    }
    return Files.write(dir.resolve("table.tsv"), lines);
  }

  @Test
  void aClassTableOverAFlatHeadNeedsTheClassOrderWhenItDiffersFromTheSortedOne()
      throws IOException {
    Path table = table();
    int code =
        run(
            "import",
            "--onnx",
            fixture("resnet18_w8_dynamic.onnx"),
            "--layout",
            table.toString(),
            "--preset",
            "torchvision",
            "--input-size",
            "64",
            "--resize",
            "73",
            "--out",
            dir.resolve("b").toString());
    assertThat(code).isEqualTo(1);
    assertThat(err.toString())
        .contains("differs from the sorted order of its names")
        .contains("--class-order sorted or --class-order flat-index");
  }

  @Test
  void aClassTableOverAFlatHeadInSortedOrderRecordsTheTaxonomy() throws IOException {
    Path table = table();
    Path bundle = dir.resolve("b");
    int code =
        run(
            "import",
            "--onnx",
            fixture("resnet18_w8_dynamic.onnx"),
            "--layout",
            table.toString(),
            "--class-order",
            "sorted",
            "--preset",
            "torchvision",
            "--input-size",
            "64",
            "--resize",
            "73",
            "--out",
            bundle.toString());
    assertThat(code).as(err.toString()).isZero();
    try (ModelBundle b = ModelBundle.open(bundle)) {
      BundleManifest m = b.manifest();
      assertThat(m.groupSizes()).isNull();
      assertThat(m.classNames()).containsExactlyElementsOf(classNames(10, "n0"));
      GroupLayout taxonomy = BundleTaxonomy.read(b).orElseThrow();
      // logit 0 is n00, the table's flat_index 9: odd -> group 1, index 9 / 2 = 4
      assertThat(taxonomy.classNames()).containsExactlyElementsOf(classNames(10, "n0"));
      assertThat(taxonomy.groupOf(0)).isEqualTo(1);
      assertThat(taxonomy.indexInGroup(0)).isEqualTo(4);
      // logit 9 is n09, flat_index 0: group 0, index 0
      assertThat(taxonomy.groupOf(9)).isZero();
      assertThat(taxonomy.indexInGroup(9)).isZero();
      assertThat(taxonomy.groupSizes()).containsExactly(5, 5);
      assertThat(m.statistics().get(BundleTaxonomy.STATISTICS_KEY).parameters())
          .containsEntry("group_sizes", "5,5");
    }
  }

  @Test
  void aClassTableWithFlatIndexOrderKeepsTheTableOrder() throws IOException {
    Path table = table();
    Path bundle = dir.resolve("b");
    int code =
        run(
            "import",
            "--onnx",
            fixture("resnet18_w8_dynamic.onnx"),
            "--layout",
            table.toString(),
            "--class-order",
            "flat-index",
            "--preset",
            "torchvision",
            "--input-size",
            "64",
            "--resize",
            "73",
            "--out",
            bundle.toString());
    assertThat(code).as(err.toString()).isZero();
    try (ModelBundle b = ModelBundle.open(bundle)) {
      assertThat(b.manifest().classNames()).startsWith("n09", "n08");
      GroupLayout taxonomy = BundleTaxonomy.read(b).orElseThrow();
      assertThat(taxonomy.groupOf(0)).isZero();
      assertThat(taxonomy.groupOf(1)).isEqualTo(1);
    }
  }

  @Test
  void groupSizesOverAFlatHeadAreRefused() {
    int code =
        run(
            "import",
            "--onnx",
            fixture("resnet18_w8_dynamic.onnx"),
            "--layout",
            "5,5",
            "--preset",
            "torchvision",
            "--input-size",
            "64",
            "--resize",
            "73",
            "--out",
            dir.resolve("b").toString());
    assertThat(code).isEqualTo(1);
    assertThat(err.toString())
        .contains("2 groups of 10 classes need 12 logits")
        .contains("it is a flat classifier");
  }

  @Test
  void groupSizesMatchingTheLogitsMakeAGroupHead() throws IOException {
    Path bundle = dir.resolve("b");
    int code =
        run(
            "import",
            "--onnx",
            fixture("resnet18_w8_dynamic.onnx"),
            "--layout",
            "5,3",
            "--preset",
            "torchvision",
            "--input-size",
            "64",
            "--resize",
            "73",
            "--out",
            bundle.toString());
    assertThat(code).as(err.toString()).isZero();
    try (ModelBundle b = ModelBundle.open(bundle)) {
      assertThat(b.manifest().groupSizes()).containsExactly(5, 3);
      assertThat(b.manifest().classNames()).hasSize(8);
    }
  }

  private static List<String> classNames(int n, String prefix) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      names.add(prefix + i);
    }
    return names;
  }
}
