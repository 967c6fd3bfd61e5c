package org.mos.evaluator.fit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.synthetic.SyntheticBundle;

/**
 * {@code mos fit --cache}: an interrupted extraction resumes at its first missing chunk and fits
 * bit-identical statistics; a cache made for another bundle is not reused and the run says so.
 */
class FitCacheTest {

  @TempDir Path dir;
  private JsonNode fx;
  private Path bundle;
  private Path val;
  private Path cal;

  @BeforeEach
  void bundleAndImages() throws IOException {
    fx = FixtureImages.json("/fixtures/fit/synthetic_fit.json");
    bundle = writeBundle("bundle", FixtureImages.bias(fx));
    val = FixtureImages.writePngs(dir.resolve("val"), fx.get("images").get("val"));
    cal = FixtureImages.writePngs(dir.resolve("cal"), fx.get("images").get("cal"));
  }

  private Path writeBundle(String name, float[] bias) throws IOException {
    Path b = dir.resolve(name);
    new SyntheticBundle(4, List.of("x", "y", "z"), null, FixtureImages.weights(fx), bias, Map.of())
        .writeTo(b);
    return b;
  }

  /**
   * KL, KNN, ViM and calibration over the 12 val images, cached in chunks of 4 in {@code cache}.
   */
  private int fit(Path out, Path cache, StringWriter err, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--out", out.toString(),
                "--kl-fit", val.toString(),
                "--kl-labels", "predicted",
                "--knn-fit", val.toString(),
                "--knn-k", "3",
                "--vim-fit", val.toString(),
                "--calibrate", cal.toString(),
                "--calibrate-methods", "msp,kl,knn,vim"));
    if (cache != null) {
      args.addAll(List.of("--cache", cache.toString(), "--cache-chunk", "4"));
    }
    args.addAll(List.of(extra));
    return FixtureImages.fit(bundle, new StringWriter(), err, args.toArray(String[]::new));
  }

  private static List<Path> statistics(Path bundle) throws IOException {
    try (Stream<Path> files = Files.list(bundle)) {
      return files.filter(p -> p.toString().endsWith(".npy")).sorted().toList();
    }
  }

  @Test
  void anInterruptedFitResumesAtItsFirstMissingChunkWithBitIdenticalStatistics() throws Exception {
    // the 10th image (chunk 2 of 0..2) cannot be read: with --on-bad-image fail the run stops there
    Path bad = val.resolve("009.png");
    byte[] good = Files.readAllBytes(bad);
    Files.writeString(bad, "not a png");
    Path cache = dir.resolve("cache");
    StringWriter first = new StringWriter();
    assertThat(fit(dir.resolve("a"), cache, first, "--on-bad-image", "fail")).isEqualTo(1);
    assertThat(first.toString()).contains("kl fit set: cannot read image");
    Path kl;
    try (Stream<Path> folders = Files.list(cache)) {
      kl =
          folders
              .filter(p -> p.getFileName().toString().startsWith("kl-fit-set-"))
              .findFirst()
              .orElseThrow();
    }
    assertThat(kl.resolve("chunk-00000.rows.npy")).exists();
    assertThat(kl.resolve("chunk-00001.rows.npy")).exists();
    assertThat(kl.resolve("chunk-00002.rows.npy")).doesNotExist();
    assertThat(dir.resolve("a")).doesNotExist();

    Files.write(bad, good);
    StringWriter resumed = new StringWriter();
    assertThat(fit(dir.resolve("a"), cache, resumed, "--on-bad-image", "fail"))
        .as(resumed.toString())
        .isZero();
    assertThat(resumed.toString())
        .contains("mos fit: kl fit set: resuming, 2 of 3 chunks cached in " + kl)
        .contains("kl fit set: 12 images in")
        .contains(", 8 of them from the cache");

    StringWriter fresh = new StringWriter();
    assertThat(fit(dir.resolve("b"), dir.resolve("cache2"), fresh)).as(fresh.toString()).isZero();
    List<Path> files = statistics(dir.resolve("b"));
    assertThat(files)
        .extracting(p -> p.getFileName().toString())
        .contains("kl_class_means.npy", "knn_bank.npy", "vim_origin.npy", "calibration_vim.npy");
    for (Path f : files) {
      assertThat(Files.mismatch(f, dir.resolve("a").resolve(f.getFileName())))
          .as("%s differs", f.getFileName())
          .isEqualTo(-1L);
    }
    try (ModelBundle a = ModelBundle.open(dir.resolve("a"));
        ModelBundle b = ModelBundle.open(dir.resolve("b"))) {
      assertThat(a.manifest().statistics().get("vim").parameters().get("alpha"))
          .isEqualTo(b.manifest().statistics().get("vim").parameters().get("alpha"));
    }

    // without --cache the fit runs in batches, not chunks: the same statistics to float rounding
    StringWriter plain = new StringWriter();
    assertThat(fit(dir.resolve("c"), null, plain)).as(plain.toString()).isZero();
    FitStatistics.assertSame(dir.resolve("c"), dir.resolve("a"), 1e-6);
  }

  @Test
  void aCacheOfAnotherBundleIsNotReusedAndTheRunSaysSo() throws Exception {
    Path cache = dir.resolve("cache");
    StringWriter first = new StringWriter();
    assertThat(fit(dir.resolve("a"), cache, first)).as(first.toString()).isZero();
    StringWriter again = new StringWriter();
    assertThat(fit(dir.resolve("a"), cache, again, "--replace")).as(again.toString()).isZero();
    assertThat(again.toString()).contains("mos fit: knn fit set: all 3 of 3 chunks cached in");

    float[] bias = FixtureImages.bias(fx).clone();
    bias[0] += 0.5f;
    Path other = writeBundle("other", bias);
    String oldChecksum;
    String newChecksum;
    try (ModelBundle a = ModelBundle.open(bundle);
        ModelBundle b = ModelBundle.open(other)) {
      oldChecksum = a.checksum();
      newChecksum = b.checksum();
    }
    bundle = other;
    StringWriter stale = new StringWriter();
    assertThat(fit(dir.resolve("b"), cache, stale)).as(stale.toString()).isZero();
    assertThat(stale.toString())
        .contains(
            "was made for bundle checksum "
                + oldChecksum
                + " (this run: "
                + newChecksum
                + "): not reused, removing it")
        .doesNotContain("chunks cached in");
    StringWriter plain = new StringWriter();
    assertThat(fit(dir.resolve("c"), dir.resolve("cache2"), plain)).as(plain.toString()).isZero();
    for (Path f : statistics(dir.resolve("c"))) {
      assertThat(Files.mismatch(f, dir.resolve("b").resolve(f.getFileName())))
          .as("%s differs", f.getFileName())
          .isEqualTo(-1L);
    }
  }

  @Test
  void badCacheOptionsAreRefusedByName() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    StringWriter err = new StringWriter();
    assertThat(fit(dir.resolve("a"), file, err)).isEqualTo(2);
    assertThat(err.toString()).contains("--cache " + file + " is a file; give a folder");
    StringWriter chunk = new StringWriter();
    assertThat(fit(dir.resolve("a"), null, chunk, "--cache-chunk", "0")).isEqualTo(2);
    assertThat(chunk.toString()).contains("--cache-chunk is 0; expected 1 or more");
  }

  @Test
  void aCacheFolderHoldingAnotherExtractionIsRefusedNamingCache() throws Exception {
    Path cache = dir.resolve("cache");
    StringWriter first = new StringWriter();
    assertThat(fit(dir.resolve("a"), cache, first)).as(first.toString()).isZero();
    Path kl;
    try (Stream<Path> folders = Files.list(cache)) {
      kl =
          folders
              .filter(p -> p.getFileName().toString().startsWith("kl-fit-set-"))
              .findFirst()
              .orElseThrow();
    }
    // as if a cache of another extraction had been copied into this folder
    Path keyFile = kl.resolve("key.json");
    String key =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(keyFile.toFile())
            .get("key")
            .asText();
    Files.writeString(keyFile, Files.readString(keyFile).replace(key, "0".repeat(64)));
    StringWriter err = new StringWriter();
    assertThat(fit(dir.resolve("b"), cache, err)).isEqualTo(2);
    assertThat(err.toString())
        .contains("kl fit set: " + kl + " holds the features of another extraction")
        .contains("remove that folder, or give another --cache");
    assertThat(kl.resolve("chunk-00000.rows.npy")).exists();
    assertThat(dir.resolve("b")).doesNotExist();
  }
}
