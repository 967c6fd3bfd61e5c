package org.mos.bench.device;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mos.trainer.export.OnnxExporter;
import org.mos.trainer.export.ResNetV2Spec;
import org.mos.trainer.export.VjpExporter;
import org.mos.trainer.export.WeightMap;
import org.mos.trainer.model.BitArchitecture;
import org.mos.trainer.model.ResNetV2;

/**
 * Writes the forward graph and the ODIN gradient graph of a random-weight BiT ResNetV2 with their
 * weights externalised into one shared {@code weights.bin} (ONNX external data; both graphs hold
 * the same large initializers in the same order, which this checks), plus {@code weights.json}
 * (name, offset, shape of every externalised tensor) so that bench/device/odin_check.py can refill
 * the weights on the GPU machine and load the very same values into a PyTorch reference model.
 *
 * <pre>
 * java -cp ... org.mos.bench.device.ExternalizeOdinGraphs ARCH CLASSES OUT_DIR
 * </pre>
 */
public final class ExternalizeOdinGraphs {

  private static final long SMALL = 1024;

  private ExternalizeOdinGraphs() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: ExternalizeOdinGraphs ARCH CLASSES OUT_DIR");
      System.exit(2);
    }
    System.setProperty("ai.djl.offline", "true");
    ResNetV2Spec spec = ResNetV2Spec.parse(args[0], Integer.parseInt(args[1]));
    ResNetV2 net =
        ResNetV2.builder()
            .setArchitecture(BitArchitecture.parse(args[0]))
            .setNumClasses(spec.numLogits())
            .build();
    ModelProto forward;
    ModelProto odin;
    try (NDManager manager = NDManager.newBaseManager()) {
      net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 64, 64));
      WeightMap weights = WeightMap.of(net);
      forward = OnnxExporter.export(spec, weights);
      odin = VjpExporter.odinGradient(spec, weights);
    }
    Path dir = Path.of(args[2]);
    Files.createDirectories(dir);
    List<String> a = externalise(forward, dir.resolve("graph.onnx"));
    List<String> b = externalise(odin, dir.resolve("odin.onnx"));
    if (!a.equals(b)) {
      throw new IllegalStateException("the two graphs' large initializers differ");
    }
    long size = 0;
    StringBuilder json = new StringBuilder("[\n");
    for (int i = 0; i < a.size(); i++) {
      json.append(a.get(i)).append(i + 1 < a.size() ? ",\n" : "\n");
    }
    json.append("]\n");
    Files.writeString(dir.resolve("weights.json"), json);
    for (String entry : a) {
      size = Long.parseLong(entry.replaceAll(".*\"end\": (\\d+).*", "$1"));
    }
    Files.writeString(dir.resolve("weights.size"), size + "\n");
    System.out.printf("%s: %d externalised tensors, %.1f MB%n", dir, a.size(), size / 1e6);
  }

  /** Writes the graph with large initializers external; returns their JSON descriptions. */
  private static List<String> externalise(ModelProto model, Path target) throws Exception {
    ModelProto.Builder out = model.toBuilder();
    var graph = out.getGraphBuilder();
    List<String> entries = new ArrayList<>();
    long offset = 0;
    for (int i = 0; i < graph.getInitializerCount(); i++) {
      TensorProto t = graph.getInitializer(i);
      long length = t.getRawData().size();
      if (length < SMALL) {
        continue;
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
      entries.add(
          String.format(
              "{\"name\": \"%s\", \"offset\": %d, \"shape\": %s, \"end\": %d}",
              t.getName(), offset, t.getDimsList(), offset + length));
      offset += (length + 63) / 64 * 64;
    }
    try (OutputStream o = Files.newOutputStream(target)) {
      out.build().writeTo(o);
    }
    return entries;
  }

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }
}
