package org.mos.common.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Turns a foreign image classifier's ONNX graph into a bundle graph: {@link ClassifierGraph} finds
 * its input, logits and penultimate features, {@link BundleGraph} rewrites it (input {@code input},
 * outputs {@code logits} and {@code features}, symbolic batch {@code N}), and {@link ImportCheck}
 * runs it in ONNX Runtime (batches against single images, the head against the logits) before it is
 * accepted.
 */
public final class OnnxImport {

  private OnnxImport() {}

  /**
   * What the user told import about the graph.
   *
   * @param logitsOutput {@code --logits-output}, or null: the graph's single output
   * @param featuresOutput {@code --features-output}, or null: the input of the final linear layer
   * @param inputSize {@code --input-size} (the crop side), or null: the side the graph fixes
   */
  public record Options(String logitsOutput, String featuresOutput, Integer inputSize) {}

  /**
   * An imported classifier.
   *
   * @param graph the bundle graph
   * @param found what the original graph was found to be
   * @param inputSize the crop side the bundle is fed
   * @param classes the number of logits
   * @param featureDim the length of the features
   * @param batchRewritten whether a fixed batch of 1 was made symbolic
   * @param check what the ONNX Runtime check measured
   */
  public record Imported(
      ModelProto graph,
      ClassifierGraph found,
      int inputSize,
      int classes,
      int featureDim,
      boolean batchRewritten,
      ImportCheck.Result check) {}

  /** Imports the model file {@code file}. */
  public static Imported importFile(Path file, Options options) throws IOException {
    try {
      return importModel(OnnxModels.read(file), options);
    } catch (OnnxGraphException e) {
      throw new OnnxGraphException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Imports {@code model}.
   *
   * @throws OnnxGraphException naming what was found and which option resolves it
   */
  public static Imported importModel(ModelProto model, Options options) {
    ClassifierGraph found =
        ClassifierGraph.analyse(model, options.logitsOutput(), options.featuresOutput());
    int side = inputSize(found, options.inputSize());
    if (found.fixedBatch() && found.inputShape()[0] != 1) {
      throw new OnnxGraphException(
          "the input '"
              + found.input()
              + "' has a fixed batch of "
              + found.inputShape()[0]
              + ": a bundle needs a dynamic batch; export the model with dynamic_axes (a fixed"
              + " batch of 1 is rewritten by import, larger ones are not)");
    }
    LinearHead head = found.head();
    int classes = head == null ? 0 : head.classes();
    int dim = head == null ? 0 : head.dim();
    ModelProto graph = BundleGraph.rewrite(model, found, classes, dim);
    ImportCheck.Result check =
        ImportCheck.check(graph, side, head, found.fixedBatch(), found.input(), found.logits());
    if (head == null) {
      // no linear head: read the lengths off a run, then declare them
      classes = check.classes();
      dim = check.featureDim();
      graph = BundleGraph.rewrite(model, found, classes, dim);
    }
    return new Imported(graph, found, side, classes, dim, found.fixedBatch(), check);
  }

  private static int inputSize(ClassifierGraph found, Integer requested) {
    if (found.fixedSide().isPresent()) {
      int fixed = found.fixedSide().getAsInt();
      if (requested != null && requested != fixed) {
        throw new OnnxGraphException(
            "--input-size "
                + requested
                + " but the graph's input '"
                + found.input()
                + "' is fixed at "
                + fixed
                + "x"
                + fixed
                + ": give --input-size "
                + fixed
                + " (and a --resize of at least "
                + fixed
                + ")");
      }
      return fixed;
    }
    if (requested == null) {
      throw new OnnxGraphException(
          "the graph's input '"
              + found.input()
              + "' has a symbolic height and width: give the crop side with --input-size (or a"
              + " --preset)");
    }
    if (requested < 1) {
      throw new OnnxGraphException("--input-size must be positive, got " + requested);
    }
    return requested;
  }
}
