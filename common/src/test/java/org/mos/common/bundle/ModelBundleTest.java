package org.mos.common.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelBundleTest {

  @TempDir Path tmp;

  private static BundleManifest manifest() {
    return new BundleManifest(
        BundleManifest.SCHEMA_VERSION,
        "tiny",
        32,
        List.of(0.5, 0.5, 0.5),
        List.of(0.5, 0.5, 0.5),
        List.of("a", "b", "c"),
        List.of(2, 1),
        List.of("logits", "features"),
        Map.of(),
        Map.of("step", 10),
        null);
  }

  private Path writeBundle(String name) throws IOException {
    Path target = tmp.resolve(name);
    BundleWriter.to(target)
        .write("model.onnx", out -> out.write("graph".getBytes(StandardCharsets.UTF_8)))
        .write("kl_means.npy", out -> out.write(new byte[] {1, 2, 3}))
        .commit(
            manifest()
                .withStatistics(
                    "kl",
                    new BundleManifest.Statistics(
                        Map.of("class_means", "kl_means.npy"), Map.of("labels", "true"))));
    return target;
  }

  @Test
  void roundTripsManifestAndFilesWithChecksums() throws IOException {
    Path target = writeBundle("b1");
    try (ModelBundle bundle = ModelBundle.open(target)) {
      BundleManifest m = bundle.manifest();
      assertThat(m.architecture()).isEqualTo("tiny");
      assertThat(m.isGrouped()).isTrue();
      assertThat(m.logitCount()).isEqualTo(5);
      assertThat(m.checksums()).containsOnlyKeys("model.onnx", "kl_means.npy");
      // sha256("graph"), computed with `printf graph | sha256sum`
      assertThat(m.checksums().get("model.onnx"))
          .isEqualTo("eef93e1d14482804277fca0172464032d1a4fdbcc338524059fa1e861454ad4d");
      assertThat(m.statistics().get("kl").parameters()).containsEntry("labels", "true");
      assertThat(Files.readString(bundle.model())).isEqualTo("graph");
      assertThat(bundle.checksum()).hasSize(64);
    }
  }

  @Test
  void aWrittenBundleFolderIsReadableByOtherUsers() throws IOException {
    Path target = writeBundle("perm");
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(target)))
        .isEqualTo("rwxr-xr-x");
  }

  @Test
  void sha256MatchesAnIndependentlyComputedDigest() throws IOException {
    Path f = tmp.resolve("x");
    Files.writeString(f, "abc");
    // FIPS 180-2 test vector for "abc".
    assertThat(BundleFiles.sha256(f))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void refusesAFileThatChangedAfterWritingAndNamesIt() throws IOException {
    Path target = writeBundle("b2");
    Files.writeString(target.resolve("kl_means.npy"), "tampered");
    assertThatThrownBy(() -> ModelBundle.open(target))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("kl_means.npy")
        .hasMessageContaining("checksum");
  }

  @Test
  void refusesAnUnknownSchemaVersion() throws IOException {
    Path target = writeBundle("b3");
    Path mf = target.resolve("manifest.json");
    Files.writeString(
        mf, Files.readString(mf).replace("\"schema_version\" : 1", "\"schema_version\" : 7"));
    assertThatThrownBy(() -> ModelBundle.open(target))
        .hasMessageContaining("schema version 7")
        .hasMessageContaining("version 1");
  }

  @Test
  void refusesMissingAndUnlistedFiles() throws IOException {
    Path a = writeBundle("b4");
    Files.delete(a.resolve("model.onnx"));
    assertThatThrownBy(() -> ModelBundle.open(a)).hasMessageContaining("model.onnx is listed");

    Path b = writeBundle("b5");
    Files.writeString(b.resolve("extra.bin"), "x");
    assertThatThrownBy(() -> ModelBundle.open(b)).hasMessageContaining("extra.bin is not listed");
  }

  @Test
  void refusesToOverwriteUnlessAskedAndReplacesWhole() throws IOException {
    Path target = writeBundle("b6");
    assertThatThrownBy(() -> writeBundle("b6")).hasMessageContaining("already exists");
    BundleWriter.to(target)
        .replaceExisting(true)
        .write("model.onnx", out -> out.write(new byte[] {9}))
        .commit(manifest());
    try (ModelBundle bundle = ModelBundle.open(target)) {
      assertThat(bundle.manifest().checksums()).containsOnlyKeys("model.onnx");
    }
    try (var list = Files.list(tmp)) {
      assertThat(list.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("b6");
    }
  }

  @Test
  void aFailedWriteLeavesNoBundleAndNoStagingFolder() throws IOException {
    Path target = tmp.resolve("b7");
    BundleWriter writer =
        BundleWriter.to(target)
            .write("model.onnx", out -> out.write(1))
            .write(
                "broken.npy",
                out -> {
                  throw new IOException("disk full");
                });
    assertThatThrownBy(() -> writer.commit(manifest())).hasMessageContaining("disk full");
    try (var list = Files.list(tmp)) {
      assertThat(list).isEmpty();
    }
  }

  @Test
  void opensAZippedBundleAndCleansItsExtractedCopy() throws IOException {
    Path target = writeBundle("b8");
    Path zip = tmp.resolve("b8.zip");
    BundleWriter.zip(target, zip);
    Path extracted;
    try (ModelBundle bundle = ModelBundle.open(zip)) {
      assertThat(bundle.manifest().classNames()).containsExactly("a", "b", "c");
      extracted = bundle.model();
      assertThat(Files.readString(extracted)).isEqualTo("graph");
    }
    assertThat(extracted).doesNotExist();
  }

  @Test
  void rejectsFileNamesThatCouldEscapeTheBundle() {
    assertThatThrownBy(() -> BundleWriter.to(tmp.resolve("x")).write("../evil", out -> {}))
        .hasMessageContaining("../evil");
    assertThatThrownBy(() -> BundleWriter.to(tmp.resolve("x")).write("a/b", out -> {}))
        .hasMessageContaining("a/b");
  }

  @Test
  void refusesStatisticsThatNameAFileOutsideTheBundle() throws IOException {
    Path target = tmp.resolve("b9");
    BundleWriter.to(target)
        .write("model.onnx", out -> out.write(1))
        .commit(
            manifest()
                .withStatistics(
                    "kl", new BundleManifest.Statistics(Map.of("class_means", "gone.npy"), null)));
    assertThatThrownBy(() -> ModelBundle.open(target)).hasMessageContaining("gone.npy");
  }

  @Test
  void theBundleChecksumChangesWithAManifestValueEvenWhenNoFileChanges() throws IOException {
    Path target = writeBundle("values");
    String before;
    try (ModelBundle bundle = ModelBundle.open(target)) {
      before = bundle.checksum();
    }
    Path manifestFile = target.resolve("manifest.json");
    String json = Files.readString(manifestFile);
    assertThat(json).contains("\"input_size\" : 32");
    Files.writeString(manifestFile, json.replace("\"input_size\" : 32", "\"input_size\" : 64"));
    try (ModelBundle bundle = ModelBundle.open(target)) {
      assertThat(bundle.manifest().inputSize()).isEqualTo(64);
      assertThat(bundle.checksum()).hasSize(64).isNotEqualTo(before);
    }
    Files.writeString(manifestFile, json);
    try (ModelBundle bundle = ModelBundle.open(target)) {
      assertThat(bundle.checksum()).isEqualTo(before);
    }
  }
}
