package org.mos.trainer.weights;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.mos.common.io.Npy;
import org.mos.trainer.export.ResNetV2Spec;
import org.mos.trainer.export.WeightMap;
import org.mos.trainer.model.ResNetV2;

/**
 * Test weights defined by the integer formula of scripts/fixtures/make_trainer_fixtures.py, so that
 * Java and the PyTorch reference build bit-identical parameters without committing them: {@code
 * u(i) = ((i * 2654435761 + seed) mod 2^32) / 2^32 - 0.5}, value = float32(u * scale + offset),
 * seed = String.hashCode of the key mod 2^32. The key list and shapes (BiT's layout, HWIO kernels)
 * are written out here independently of the importer's own key table.
 */
public final class FormulaWeights {

  private static final long MASK = 0xFFFFFFFFL;

  private FormulaWeights() {}

  /** MurmurHash3's 32-bit finaliser on an unsigned 32-bit value held in a long. */
  static long fmix32(long h) {
    h ^= h >>> 16;
    h = (h * 0x85EBCA6BL) & MASK;
    h ^= h >>> 13;
    h = (h * 0xC2B2AE35L) & MASK;
    h ^= h >>> 16;
    return h;
  }

  /** The formula's values for {@code key} with {@code n} elements. */
  public static float[] values(String key, int n) {
    long seed = key.hashCode() & 0xFFFFFFFFL;
    double scale;
    double offset = 0;
    if (key.endsWith("/gamma")) {
      scale = 0.5;
      offset = 1.0;
    } else if (key.endsWith("/beta")) {
      scale = 0.2;
    } else if (key.equals("resnet/head/conv2d/kernel")) {
      scale = 0.1;
    } else if (key.equals("resnet/head/conv2d/bias")) {
      scale = 0.2;
    } else if (key.equals("input")) {
      scale = 2.0;
    } else {
      scale = 1.0;
    }
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      double v = fmix32((i + seed) & MASK) / 4294967296.0 - 0.5;
      out[i] = (float) (v * scale + offset);
    }
    return out;
  }

  /** BiT keys and HWIO / vector shapes for a ResNetV2 with these units, stem width and head. */
  public static Map<String, int[]> bitShapes(int[] units, int width, int classes) {
    Map<String, int[]> shapes = new LinkedHashMap<>();
    shapes.put("resnet/root_block/standardized_conv2d/kernel", new int[] {7, 7, 3, width});
    int in = width;
    for (int b = 0; b < 4; b++) {
      int mid = width << b;
      for (int u = 0; u < units[b]; u++) {
        String p = String.format("resnet/block%d/unit%02d/", b + 1, u + 1);
        shapes.put(p + "a/standardized_conv2d/kernel", new int[] {1, 1, in, mid});
        shapes.put(p + "b/standardized_conv2d/kernel", new int[] {3, 3, mid, mid});
        shapes.put(p + "c/standardized_conv2d/kernel", new int[] {1, 1, mid, 4 * mid});
        norm(shapes, p + "a/", in);
        norm(shapes, p + "b/", mid);
        norm(shapes, p + "c/", mid);
        if (u == 0) {
          shapes.put(p + "a/proj/standardized_conv2d/kernel", new int[] {1, 1, in, 4 * mid});
        }
        in = 4 * mid;
      }
    }
    norm(shapes, "resnet/", in);
    shapes.put("resnet/head/conv2d/kernel", new int[] {1, 1, in, classes});
    shapes.put("resnet/head/conv2d/bias", new int[] {classes});
    return shapes;
  }

  private static void norm(Map<String, int[]> shapes, String prefix, int channels) {
    shapes.put(prefix + "group_norm/gamma", new int[] {channels});
    shapes.put(prefix + "group_norm/beta", new int[] {channels});
  }

  /**
   * Writes a BiT-format .npz with the formula's values, leaving out the keys in {@code omit} and
   * giving the shapes in {@code override} instead of the right ones.
   */
  public static Path writeNpz(
      Path file, Map<String, int[]> shapes, Set<String> omit, Map<String, int[]> override)
      throws IOException {
    try (OutputStream os = Files.newOutputStream(file);
        ZipOutputStream zip = new ZipOutputStream(os)) {
      zip.setLevel(Deflater.NO_COMPRESSION);
      for (Map.Entry<String, int[]> e : shapes.entrySet()) {
        if (omit.contains(e.getKey())) {
          continue;
        }
        int[] shape = override.getOrDefault(e.getKey(), e.getValue());
        int n = 1;
        for (int d : shape) {
          n *= d;
        }
        ByteBuffer buf = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values(e.getKey(), n));
        zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
        Npy.write(zip, "<f4", shape, buf.array());
        zip.closeEntry();
      }
    }
    return file;
  }

  /** The formula's values in every tensor of {@code spec}, OIHW. */
  public static WeightMap weightMap(ResNetV2Spec spec) {
    Map<String, WeightMap.Tensor> tensors = new LinkedHashMap<>();
    spec.shapes()
        .forEach(
            (key, shape) -> {
              int n = 1;
              for (int d : shape) {
                n *= d;
              }
              tensors.put(key, new WeightMap.Tensor(shape, values(key, n)));
            });
    return WeightMap.of(tensors);
  }

  /**
   * A ResNetV2 with {@code units}, stem {@code width} and {@code classes}, initialised for 32 px
   * input and loaded with the formula's values through a BiT .npz written to {@code npz}.
   */
  public static ResNetV2 model(NDManager manager, Path npz, int[] units, int width, int classes)
      throws IOException {
    writeNpz(npz, bitShapes(units, width, classes), Set.of(), Map.of());
    ResNetV2 model =
        ResNetV2.builder().setUnits(units).optBaseWidth(width).setNumClasses(classes).build();
    model.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
    BitNpzImporter.load(npz, model, BitNpzImporter.HeadPolicy.KEEP);
    return model;
  }
}
