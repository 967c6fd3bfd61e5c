package org.mos.common.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.BundleWriter;

/**
 * The fixtures of {@code scripts/fixtures/make_import_fixtures.py} (small torchvision classifiers
 * exported to ONNX, images, and the PyTorch forward's logits and features), for the tests of this
 * module and, through common's test-jar, of the others.
 */
public final class ImportFixtures {

  private static final String ROOT = "/fixtures/onnx-import/";

  private ImportFixtures() {}

  /**
   * A fixture as a file: {@code name} relative to the fixture folder, copied under {@code dir}
   * (resources may live in a jar).
   */
  public static Path copy(String name, Path dir) {
    try (InputStream in = ImportFixtures.class.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no import fixture " + name);
      }
      Path target = dir.resolve(name);
      Files.createDirectories(target.getParent());
      Files.copy(in, target);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The preprocessing of one fixture model, as torchvision ran it. */
  public record Case(
      int resize,
      int crop,
      String interpolation,
      List<Double> mean,
      List<Double> std,
      List<String> images,
      int classes,
      int featuresDim) {

    /** The manifest preprocessing that asks for the same transform. */
    public BundleManifest.Preprocessing preprocessing() {
      return new BundleManifest.Preprocessing(resize, interpolation);
    }
  }

  /** The case of the model {@code model} (e.g. {@code resnet18_w8_dynamic}). */
  public static Case caseOf(String model) {
    try (InputStream in = ImportFixtures.class.getResourceAsStream(ROOT + "cases.json")) {
      JsonNode c = new ObjectMapper().readTree(in).path("cases").path(model);
      if (c.isMissingNode()) {
        throw new IllegalArgumentException("no import fixture case " + model);
      }
      List<Double> mean = new ArrayList<>();
      c.path("mean").forEach(v -> mean.add(v.asDouble()));
      List<Double> std = new ArrayList<>();
      c.path("std").forEach(v -> std.add(v.asDouble()));
      List<String> images = new ArrayList<>();
      c.path("images").forEach(v -> images.add(v.asText()));
      return new Case(
          c.path("resize").asInt(),
          c.path("crop").asInt(),
          c.path("interpolation").asText(),
          mean,
          std,
          images,
          c.path("classes").asInt(),
          c.path("features_dim").asInt());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Imports the fixture model {@code model} ({@code model.onnx}) with its torchvision preprocessing
   * and writes it as a flat bundle with classes {@code class_0 ..} at {@code out}.
   */
  public static BundleManifest writeBundle(String model, Path work, Path out) throws IOException {
    Case c = caseOf(model);
    Path onnx = copy(model + ".onnx", work);
    OnnxImport.Imported imported =
        OnnxImport.importFile(onnx, new OnnxImport.Options(null, null, c.crop()));
    List<String> names = new ArrayList<>();
    for (int i = 0; i < imported.classes(); i++) {
      names.add("class_" + i);
    }
    Map<String, Object> provenance = new LinkedHashMap<>();
    provenance.put("source", "ONNX " + onnx.getFileName());
    BundleManifest manifest =
        new BundleManifest(
            BundleManifest.SCHEMA_VERSION,
            "onnx:" + model,
            imported.inputSize(),
            c.mean(),
            c.std(),
            c.preprocessing(),
            names,
            null,
            List.of(BundleGraph.LOGITS, BundleGraph.FEATURES),
            null,
            provenance,
            null);
    return BundleWriter.to(out).write("model.onnx", imported.graph()::writeTo).commit(manifest);
  }
}
