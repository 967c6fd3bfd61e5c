package org.mos.common.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;
import org.mos.common.score.FloatMatrix;

/**
 * Runs an imported bundle graph in ONNX Runtime before it is accepted: on {@value #IMAGES} random
 * inputs (standard normal, the scale of normalised images, seeded), each image alone and as batches
 * of 2 and 3. It checks that
 *
 * <ul>
 *   <li>the graph runs on batches of 2 and 3, and every row of a batch equals the same image run
 *       alone within {@value #TOLERANCE} relative to the output's largest magnitude (at least 1): a
 *       graph exported with a fixed batch whose computation bakes the batch in, or one that mixes
 *       the images of a batch, fails here;
 *   <li>the logits equal features W^T + b of the {@link LinearHead} found, within {@value
 *       #TOLERANCE} relative to the largest logit magnitude (at least 1);
 *   <li>every output is finite.
 * </ul>
 *
 * Float32 kernels differ by batch size and accumulation order in the last bits (about 1e-6
 * relative), far below the tolerance; a wrong head or a batch mix-up is far above it.
 */
public final class ImportCheck {

  /** Random images run. */
  public static final int IMAGES = 3;

  /** Largest accepted relative difference (see the class comment). */
  public static final double TOLERANCE = 1e-4;

  private ImportCheck() {}

  /**
   * What was measured.
   *
   * @param headMismatch the head's relative mismatch (NaN when there is no head to check)
   * @param batchMismatch the largest relative difference between batched and single runs
   * @param classes the length of the logits, as run
   * @param featureDim the length of the features, as run
   */
  public record Result(double headMismatch, double batchMismatch, int classes, int featureDim) {}

  /**
   * Checks the bundle graph {@code graph} (input {@code input}, outputs {@code logits} and {@code
   * features}) at {@code side} x {@code side} pixels.
   *
   * @param head the head to check, or null
   * @param batchRewritten whether import replaced a fixed batch of 1 (for the refusal's wording)
   * @param originalInput and {@code originalLogits}: the names in the user's graph, for messages
   * @throws OnnxGraphException naming what failed and what to do
   */
  public static Result check(
      ModelProto graph,
      int side,
      LinearHead head,
      boolean batchRewritten,
      String originalInput,
      String originalLogits) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    int per = 3 * side * side;
    float[] images = new float[IMAGES * per];
    Random random = new Random(20261207L);
    for (int i = 0; i < images.length; i++) {
      images[i] = (float) random.nextGaussian();
    }
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(1);
      try (OrtSession session = env.createSession(graph.toByteArray(), so)) {
        FloatMatrix[] aloneLogits = new FloatMatrix[IMAGES];
        FloatMatrix[] aloneFeatures = new FloatMatrix[IMAGES];
        for (int i = 0; i < IMAGES; i++) {
          FloatMatrix[] r = run(env, session, images, i, 1, side, null);
          aloneLogits[i] = r[0];
          aloneFeatures[i] = r[1];
        }
        FloatMatrix logits = stack(aloneLogits);
        FloatMatrix features = stack(aloneFeatures);
        double batch = 0;
        for (int n = 2; n <= IMAGES; n++) {
          FloatMatrix[] r =
              run(env, session, images, 0, n, side, batchFailure(batchRewritten, n, originalInput));
          batch = Math.max(batch, relativeDifference(r[0], rows(logits, n)));
          batch = Math.max(batch, relativeDifference(r[1], rows(features, n)));
        }
        if (batch > TOLERANCE) {
          throw new OnnxGraphException(
              batchFailure(batchRewritten, 2, originalInput)
                  + ": the rows of a batch differ from the same images run alone by "
                  + String.format("%.3g", batch)
                  + " (relative; tolerance "
                  + TOLERANCE
                  + ")");
        }
        double headMismatch = Double.NaN;
        if (head != null) {
          headMismatch = head.mismatch(features, logits);
          if (!(headMismatch <= TOLERANCE)) {
            throw new OnnxGraphException(
                "the logits '"
                    + originalLogits
                    + "' are not features W^T + b of the linear layer found over '"
                    + head.features()
                    + "' (relative mismatch "
                    + String.format("%.3g", headMismatch)
                    + " on random inputs, tolerance "
                    + TOLERANCE
                    + "): name the logits with --logits-output or the features with"
                    + " --features-output");
          }
        }
        return new Result(headMismatch, batch, logits.cols(), features.cols());
      }
    } catch (OrtException e) {
      throw new OnnxGraphException(
          "ONNX Runtime cannot run the graph at "
              + side
              + "x"
              + side
              + " pixels ("
              + e.getMessage()
              + "); check --input-size",
          e);
    }
  }

  private static String batchFailure(boolean batchRewritten, int n, String input) {
    return batchRewritten
        ? "the graph was exported with a fixed batch of 1 and its computation depends on it"
            + " (checked with a batch of "
            + n
            + " after making the batch of input '"
            + input
            + "' symbolic); export it again with a dynamic batch, e.g. torch.onnx.export(...,"
            + " dynamic_axes={'"
            + input
            + "': {0: 'N'}, '<output>': {0: 'N'}})"
        : "the graph declares a dynamic batch but does not compute the images of a batch"
            + " independently (checked with a batch of "
            + n
            + "); export it in eval mode";
  }

  /** Runs images [first, first + n) and returns logits and features. */
  private static FloatMatrix[] run(
      OrtEnvironment env,
      OrtSession session,
      float[] images,
      int first,
      int n,
      int side,
      String onFailure)
      throws OrtException {
    int per = 3 * side * side;
    FloatBuffer in = FloatBuffer.wrap(images, first * per, n * per).slice();
    try (OnnxTensor t = OnnxTensor.createTensor(env, in, new long[] {n, 3, side, side})) {
      OrtSession.Result result;
      try {
        result = session.run(Map.of(BundleGraph.INPUT, t));
      } catch (OrtException e) {
        if (onFailure == null) {
          throw e;
        }
        throw new OnnxGraphException(
            onFailure + " (ONNX Runtime: " + firstLine(e.getMessage()) + ")", e);
      }
      try (result) {
        FloatMatrix logits = matrix(result, BundleGraph.LOGITS, n);
        FloatMatrix features = matrix(result, BundleGraph.FEATURES, n);
        return new FloatMatrix[] {logits, features};
      }
    }
  }

  private static FloatMatrix matrix(OrtSession.Result result, String name, int n)
      throws OrtException {
    OnnxTensor t = (OnnxTensor) result.get(name).orElseThrow();
    long[] shape = t.getInfo().getShape();
    long cols = 1;
    for (int i = 1; i < shape.length; i++) {
      cols *= shape[i];
    }
    if (shape.length < 2 || shape[0] != n) {
      throw new OnnxGraphException(
          "the tensor that becomes '"
              + name
              + "' has shape "
              + ClassifierGraph.shapeText(shape)
              + " for a batch of "
              + n
              + ": expected (N, length)");
    }
    float[] v = new float[(int) (n * cols)];
    t.getFloatBuffer().get(v);
    for (float x : v) {
      if (!Float.isFinite(x)) {
        throw new OnnxGraphException(
            "the graph's '" + name + "' is not finite on random normal inputs");
      }
    }
    return FloatMatrix.wrap(v, n, (int) cols);
  }

  private static FloatMatrix stack(FloatMatrix[] rows) {
    int cols = rows[0].cols();
    float[] all = new float[rows.length * cols];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i].toArray(), 0, all, i * cols, cols);
    }
    return FloatMatrix.wrap(all, rows.length, cols);
  }

  private static FloatMatrix rows(FloatMatrix m, int n) {
    float[] v = new float[n * m.cols()];
    System.arraycopy(m.toArray(), 0, v, 0, v.length);
    return FloatMatrix.wrap(v, n, m.cols());
  }

  private static double relativeDifference(FloatMatrix a, FloatMatrix b) {
    float[] x = a.toArray();
    float[] y = b.toArray();
    if (x.length != y.length) {
      return Double.POSITIVE_INFINITY;
    }
    double scale = 1;
    double worst = 0;
    for (int i = 0; i < x.length; i++) {
      scale = Math.max(scale, Math.abs(y[i]));
      worst = Math.max(worst, Math.abs((double) x[i] - y[i]));
    }
    return worst / scale;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
