package org.mos.common.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.mos.common.linalg.Blas;
import org.mos.common.onnx.OnnxModels.FloatTensor;
import org.mos.common.score.FloatMatrix;

/**
 * A classifier's final linear layer, read from its ONNX graph: logits = features W^T + b, where
 * {@code features} is the tensor that enters the layer. Found by following the logits output back
 * through {@code Identity} nodes to a {@code Gemm}, a {@code MatMul} followed by an {@code Add} of
 * a constant bias, or a bias-free {@code MatMul}, whose weight (and bias) are constants; {@code
 * alpha}, {@code beta} and {@code transB} are folded into W and b.
 *
 * <p>Activation-shaping methods recompute the logits from shaped features with it, and import uses
 * it to find a foreign classifier's penultimate features.
 *
 * @param features the name of the tensor entering the layer (N, dim)
 * @param logits the name of the logits output
 * @param weight W, row-major (classes, dim)
 * @param bias b, one per class
 */
public record LinearHead(String features, String logits, FloatMatrix weight, float[] bias) {

  public LinearHead {
    if (weight.rows() != bias.length) {
      throw new IllegalArgumentException(
          "the weight has " + weight.rows() + " rows but the bias " + bias.length + " entries");
    }
  }

  /** The number of classes (logits). */
  public int classes() {
    return weight.rows();
  }

  /** The length of a feature vector. */
  public int dim() {
    return weight.cols();
  }

  /**
   * A new head on the same features and logits output, such as one trained on the frozen features
   * ({@code train --backbone}); it may have another number of classes.
   *
   * @param weight W, (classes, dim) with this head's dim
   * @param bias b, one per class
   */
  public LinearHead retrained(FloatMatrix weight, float[] bias) {
    if (weight.cols() != dim()) {
      throw new IllegalArgumentException(
          "the new weight has "
              + weight.cols()
              + " columns but the features '"
              + features
              + "' are "
              + dim()
              + " long");
    }
    return new LinearHead(features, logits, weight, bias);
  }

  /** Below this many rows a plain loop beats converting W for one BLAS product. */
  private static final int BLAS_MIN_ROWS = 8;

  /** Rows per BLAS product: bounds the float64 copies. */
  private static final int BLOCK_ROWS = 1024;

  /**
   * The logits of each row of {@code features}: features W^T + b, accumulated in double (one
   * float64 BLAS product, {@link Blas}, for batches of {@value #BLAS_MIN_ROWS} rows or more).
   */
  public FloatMatrix logits(FloatMatrix features) {
    if (features.cols() != dim()) {
      throw new IllegalArgumentException(
          "features have " + features.cols() + " columns but the head takes " + dim());
    }
    int n = features.rows();
    int k = classes();
    int d = dim();
    float[] w = weight.toArray();
    float[] out = new float[n * k];
    if (n >= BLAS_MIN_ROWS) {
      double[] wd = new double[k * d];
      for (int i = 0; i < wd.length; i++) {
        wd[i] = w[i];
      }
      // blocks of rows: the float64 copy of the features stays small
      int block = Math.min(n, BLOCK_ROWS);
      double[] xd = new double[block * d];
      double[] z = new double[block * k];
      for (int r0 = 0; r0 < n; r0 += block) {
        int rows = Math.min(block, n - r0);
        features.copyRows(r0, rows, xd);
        Blas.multiplyTransposedB(xd, rows, d, wd, k, z);
        for (int i = 0; i < rows; i++) {
          for (int c = 0; c < k; c++) {
            out[(r0 + i) * k + c] = (float) (z[i * k + c] + bias[c]);
          }
        }
      }
      return FloatMatrix.wrap(out, n, k);
    }
    float[] x = features.toArray();
    for (int i = 0; i < n; i++) {
      int row = i * d;
      for (int c = 0; c < k; c++) {
        double s = 0;
        int base = c * d;
        for (int j = 0; j < d; j++) {
          s += (double) x[row + j] * w[base + j];
        }
        out[i * k + c] = (float) (s + bias[c]);
      }
    }
    return FloatMatrix.wrap(out, n, k);
  }

  /**
   * The largest difference between {@code logits} and the logits recomputed from {@code features},
   * relative to the largest logit magnitude (at least 1): how well this head explains the model.
   */
  public double mismatch(FloatMatrix features, FloatMatrix logits) {
    FloatMatrix recomputed = logits(features);
    if (recomputed.rows() != logits.rows() || recomputed.cols() != logits.cols()) {
      throw new IllegalArgumentException(
          "logits are "
              + logits.rows()
              + " x "
              + logits.cols()
              + " but the head gives "
              + recomputed.rows()
              + " x "
              + recomputed.cols());
    }
    float[] a = recomputed.toArray();
    float[] b = logits.toArray();
    double scale = 1;
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      scale = Math.max(scale, Math.abs(b[i]));
      worst = Math.max(worst, Math.abs((double) a[i] - b[i]));
    }
    return worst / scale;
  }

  /** The head producing the output {@code logitsOutput} of the ONNX model in {@code file}. */
  public static LinearHead read(java.nio.file.Path file, String logitsOutput)
      throws java.io.IOException {
    return find(OnnxModels.read(file), logitsOutput);
  }

  /** The head producing the graph output {@code logitsOutput}. */
  public static LinearHead find(ModelProto model, String logitsOutput) {
    GraphProto graph = model.getGraph();
    if (graph.getOutputList().stream().noneMatch(o -> o.getName().equals(logitsOutput))) {
      throw new OnnxGraphException(
          "the graph has no output named '"
              + logitsOutput
              + "'; its outputs are "
              + graph.getOutputList().stream()
                  .map(ValueInfoProto::getName)
                  .collect(Collectors.joining(", "))
              + " (import: name the logits with --logits-output)");
    }
    Map<String, NodeProto> producers = OnnxModels.producers(graph);
    NodeProto node = producerThroughIdentity(producers, logitsOutput);
    if (node == null) {
      throw new OnnxGraphException(
          "the logits output '" + logitsOutput + "' is a graph input or constant, not a layer");
    }
    return switch (node.getOpType()) {
      case "Gemm" -> fromGemm(graph, node, logitsOutput);
      case "Add" -> fromMatMulAdd(graph, producers, node, logitsOutput);
      case "MatMul" -> fromMatMul(graph, node, logitsOutput, null);
      default ->
          throw new OnnxGraphException(
              "the logits output '"
                  + logitsOutput
                  + "' is produced by a "
                  + node.getOpType()
                  + " node ('"
                  + node.getName()
                  + "'), not by a Gemm or MatMul(+Add) with constant weights; if it is a"
                  + " softmax or another transform of the logits, name the tensor before it"
                  + " (import: --logits-output), or name the penultimate features"
                  + " (import: --features-output)");
    };
  }

  private static NodeProto producerThroughIdentity(Map<String, NodeProto> producers, String name) {
    NodeProto node = producers.get(name);
    while (node != null && node.getOpType().equals("Identity")) {
      node = producers.get(node.getInput(0));
    }
    return node;
  }

  private static LinearHead fromGemm(GraphProto graph, NodeProto gemm, String logits) {
    double alpha = floatAttribute(gemm, "alpha", 1);
    double beta = floatAttribute(gemm, "beta", 1);
    if (intAttribute(gemm, "transA", 0) != 0) {
      throw new OnnxGraphException(
          "the logits come from Gemm '" + gemm.getName() + "' with transA = 1, not supported");
    }
    boolean transB = intAttribute(gemm, "transB", 0) != 0;
    FloatTensor b = weightOf(graph, gemm, gemm.getInput(1));
    FloatMatrix weight = weightMatrix(b, transB, alpha, gemm);
    float[] bias = new float[weight.rows()];
    if (gemm.getInputCount() > 2 && !gemm.getInput(2).isEmpty()) {
      bias = biasOf(graph, gemm, gemm.getInput(2), weight.rows(), beta);
    }
    return new LinearHead(gemm.getInput(0), logits, weight, bias);
  }

  private static LinearHead fromMatMulAdd(
      GraphProto graph, Map<String, NodeProto> producers, NodeProto add, String logits) {
    for (int side = 0; side < 2; side++) {
      NodeProto mm = producerThroughIdentity(producers, add.getInput(side));
      Optional<FloatTensor> c = OnnxModels.constant(graph, add.getInput(1 - side));
      if (mm != null && mm.getOpType().equals("MatMul") && c.isPresent()) {
        return fromMatMul(graph, mm, logits, add.getInput(1 - side));
      }
    }
    throw new OnnxGraphException(
        "the logits come from Add '"
            + add.getName()
            + "', which does not add a constant bias to a MatMul; name the penultimate features"
            + " (import: --features-output)");
  }

  private static LinearHead fromMatMul(
      GraphProto graph, NodeProto mm, String logits, String biasName) {
    FloatTensor b = weightOf(graph, mm, mm.getInput(1));
    FloatMatrix weight = weightMatrix(b, false, 1, mm);
    float[] bias =
        biasName == null ? new float[weight.rows()] : biasOf(graph, mm, biasName, weight.rows(), 1);
    return new LinearHead(mm.getInput(0), logits, weight, bias);
  }

  private static FloatTensor weightOf(GraphProto graph, NodeProto node, String name) {
    FloatTensor t =
        OnnxModels.constant(graph, name)
            .orElseThrow(
                () ->
                    new OnnxGraphException(
                        "the weight '"
                            + name
                            + "' of "
                            + node.getOpType()
                            + " '"
                            + node.getName()
                            + "' (the layer producing the logits) is computed, not a float"
                            + " constant; name the penultimate features (import:"
                            + " --features-output)"));
    if (t.dims().length != 2) {
      throw new OnnxGraphException(
          "the weight '"
              + name
              + "' of "
              + node.getOpType()
              + " '"
              + node.getName()
              + "' has "
              + t.dims().length
              + " dimensions, expected 2");
    }
    return t;
  }

  /** W as (classes, dim), from B stored (dim, classes), or (classes, dim) when transposed. */
  private static FloatMatrix weightMatrix(
      FloatTensor b, boolean transposed, double alpha, NodeProto node) {
    int rows = (int) b.dims()[0];
    int cols = (int) b.dims()[1];
    float[] v = b.values();
    if (transposed) {
      float[] w = new float[rows * cols];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) (alpha * v[i]);
      }
      return FloatMatrix.wrap(w, rows, cols);
    }
    float[] w = new float[rows * cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        w[j * rows + i] = (float) (alpha * v[i * cols + j]);
      }
    }
    return FloatMatrix.wrap(w, cols, rows);
  }

  private static float[] biasOf(
      GraphProto graph, NodeProto node, String name, int classes, double beta) {
    FloatTensor c =
        OnnxModels.constant(graph, name)
            .orElseThrow(
                () ->
                    new OnnxGraphException(
                        "the bias '"
                            + name
                            + "' of the layer producing the logits ('"
                            + node.getName()
                            + "') is computed, not a float constant"));
    float[] v = c.values();
    float[] bias = new float[classes];
    if (v.length == 1) {
      java.util.Arrays.fill(bias, (float) (beta * v[0]));
    } else if (v.length == classes) {
      for (int i = 0; i < classes; i++) {
        bias[i] = (float) (beta * v[i]);
      }
    } else {
      throw new OnnxGraphException(
          "the bias '" + name + "' has " + v.length + " values for " + classes + " classes");
    }
    return bias;
  }

  private static double floatAttribute(NodeProto node, String name, double fallback) {
    for (AttributeProto a : node.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a.getF();
      }
    }
    return fallback;
  }

  private static long intAttribute(NodeProto node, String name, long fallback) {
    for (AttributeProto a : node.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a.getI();
      }
    }
    return fallback;
  }
}
