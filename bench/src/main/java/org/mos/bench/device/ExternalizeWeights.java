package org.mos.bench.device;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mos.trainer.export.OnnxExporter;
import org.mos.trainer.export.ResNetV2Spec;
import org.mos.trainer.export.WeightMap;
import org.mos.trainer.model.BitArchitecture;
import org.mos.trainer.model.ResNetV2;

/**
 * Rewrites an exported {@code model.onnx} so that every initializer's bytes live in an external
 * file ({@code weights.bin}, ONNX's external-data format) and writes only the graph, plus the
 * weights file's length. The GPU check (bench/device/ort_cuda_check.py) then refills weights.bin on
 * the device with random values: a large model's graph travels in kilobytes while its execution
 * (node placement on the CUDA provider, CUDA vs CPU agreement, throughput) is exactly that of our
 * exporter's graph.
 *
 * <pre>
 * java -cp ... org.mos.bench.device.ExternalizeWeights IN.onnx OUT_DIR
 * java -cp ... org.mos.bench.device.ExternalizeWeights --export ARCH CLASSES OUT_DIR
 * </pre>
 *
 * The second form builds the DJL ResNetV2 {@code ARCH} (e.g. R50x1) with random weights and exports
 * it with the suite's {@link OnnxExporter} first.
 */
public final class ExternalizeWeights {

  /** Tensors below this many bytes stay in the graph. */
  private static final long SMALL = 1024;

  private ExternalizeWeights() {}

  public static void main(String[] args) throws Exception {
    ModelProto model;
    Path dir;
    if (args.length == 4 && args[0].equals("--export")) {
      model = exportRandom(args[1], Integer.parseInt(args[2]));
      dir = Path.of(args[3]);
    } else if (args.length == 2) {
      try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
        model = ModelProto.parseFrom(in);
      }
      dir = Path.of(args[1]);
    } else {
      System.err.println(
          "usage: ExternalizeWeights IN.onnx OUT_DIR | --export ARCH CLASSES OUT_DIR");
      System.exit(2);
      return;
    }
    ModelProto.Builder out = model.toBuilder();
    var graph = out.getGraphBuilder();
    long offset = 0;
    for (int i = 0; i < graph.getInitializerCount(); i++) {
      TensorProto t = graph.getInitializer(i);
      long length = t.getRawData().size();
      if (length < SMALL) {
        continue; // shapes, pads and axes must stay inline for shape inference
      }
      graph.setInitializer(
          i,
          t.toBuilder()
              .setRawData(ByteString.EMPTY)
              .setDataLocation(TensorProto.DataLocation.EXTERNAL)
              .addExternalData(entry("location", "weights.bin"))
              .addExternalData(entry("offset", Long.toString(offset)))
              .addExternalData(entry("length", Long.toString(length)))
              .build());
      offset += (length + 63) / 64 * 64; // keep every tensor 64-byte aligned
    }
    Files.createDirectories(dir);
    try (OutputStream o = Files.newOutputStream(dir.resolve("graph.onnx"))) {
      out.build().writeTo(o);
    }
    Files.writeString(dir.resolve("weights.size"), Long.toString(offset) + "\n");
    System.out.printf(
        "%s: %d initializers, %.1f MB of weights externalised%n",
        dir.resolve("graph.onnx"), graph.getInitializerCount(), offset / 1e6);
  }

  private static ModelProto exportRandom(String architecture, int classes) {
    System.setProperty("ai.djl.offline", "true");
    ResNetV2Spec spec = ResNetV2Spec.parse(architecture, classes);
    ResNetV2 net =
        ResNetV2.builder()
            .setArchitecture(BitArchitecture.parse(architecture))
            .setNumClasses(classes)
            .build();
    try (NDManager manager = NDManager.newBaseManager()) {
      net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 64, 64));
      return OnnxExporter.export(spec, WeightMap.of(net));
    }
  }

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }
}
