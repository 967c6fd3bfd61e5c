package org.mos.common.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;
import org.mos.common.bundle.BundleException;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.score.FloatMatrix;

/**
 * What {@link BundleModel} and {@link GradientSessions} share about ONNX Runtime sessions: their
 * options, the CUDA fallback, the check of a graph against the manifest, and the conversion of an
 * output tensor into rows.
 */
final class OrtSessions {

  private static final Logger LOG = Logger.getLogger(BundleModel.class.getName());

  private OrtSessions() {}

  /** Session options from the inference options (threads, arena, memory patterns, spinning). */
  static OrtSession.SessionOptions options(InferenceOptions options) throws OrtException {
    OrtSession.SessionOptions so = new OrtSession.SessionOptions();
    try {
      so.setIntraOpNumThreads(options.intraOpThreads());
      so.setCPUArenaAllocator(options.cpuArena());
      so.setMemoryPatternOptimization(options.memoryPattern());
      so.addConfigEntry(InferenceOptions.SPINNING_KEY, options.spinning() ? "1" : "0");
      return so;
    } catch (OrtException | RuntimeException e) {
      so.close();
      throw e;
    }
  }

  static Device chooseDevice(InferenceOptions options, OrtSession.SessionOptions so)
      throws OrtException, BundleException {
    if (options.device() == Device.CPU) {
      return Device.CPU;
    }
    String why;
    if (OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
      try {
        so.addCUDA(0);
        return Device.CUDA;
      } catch (OrtException e) {
        why = "the CUDA execution provider failed to start (" + e.getMessage() + ")";
      }
    } else {
      why =
          "this ONNX Runtime has no CUDA execution provider (build with the onnxruntime_gpu"
              + " artifact)";
    }
    if (options.strictDevice()) {
      throw new BundleException("device cuda was asked for strictly but " + why);
    }
    LOG.warning("device cuda was asked for but " + why + "; running on the CPU");
    return Device.CPU;
  }

  static void checkGraph(ModelBundle bundle, BundleManifest m, OrtSession session)
      throws OrtException, BundleException {
    Map<String, NodeInfo> inputs = session.getInputInfo();
    if (inputs.size() != 1) {
      throw new BundleException(
          bundle.source() + ": model.onnx has inputs " + inputs.keySet() + ", expected exactly 1");
    }
    NodeInfo in = inputs.values().iterator().next();
    if (!(in.getInfo() instanceof TensorInfo t) || t.getShape().length != 4) {
      throw new BundleException(
          bundle.source() + ": the input of model.onnx is " + in.getInfo() + ", expected N,3,H,W");
    }
    long[] shape = t.getShape();
    int size = m.inputSize();
    if ((shape[1] > 0 && shape[1] != 3)
        || (shape[2] > 0 && shape[2] != size)
        || (shape[3] > 0 && shape[3] != size)) {
      throw new BundleException(
          bundle.source()
              + ": model.onnx takes input of shape "
              + Arrays.toString(shape)
              + " but the manifest says input_size "
              + size
              + " (expected [N, 3, "
              + size
              + ", "
              + size
              + "])");
    }
    Set<String> present = session.getOutputNames();
    for (String name : m.outputs()) {
      if (!present.contains(name)) {
        throw new BundleException(
            bundle.source()
                + ": the manifest lists output '"
                + name
                + "' but model.onnx has only "
                + present);
      }
    }
    if (!present.contains(BundleModel.LOGITS)) {
      throw new BundleException(bundle.source() + ": model.onnx has no output 'logits'");
    }
  }

  static FloatMatrix toMatrix(String name, OnnxTensor tensor, int count) {
    long[] shape = tensor.getInfo().getShape();
    if (shape.length < 2 || shape[0] != count) {
      throw new InferenceException(
          "output '" + name + "' has shape " + Arrays.toString(shape) + " for " + count + " inputs",
          null);
    }
    FloatBuffer values = tensor.getFloatBuffer();
    int cols = (int) shape[1];
    int spatial = 1;
    for (int i = 2; i < shape.length; i++) {
      spatial *= (int) shape[i];
    }
    float[] rows = new float[count * cols];
    if (spatial == 1) {
      values.get(rows);
    } else {
      // (N, C, H, W) side outputs are averaged over space, as the paper's Mahalanobis layers are.
      for (int r = 0; r < count * cols; r++) {
        double sum = 0;
        for (int s = 0; s < spatial; s++) {
          sum += values.get(r * spatial + s);
        }
        rows[r] = (float) (sum / spatial);
      }
    }
    try {
      return FloatMatrix.wrap(rows, count, cols);
    } catch (IllegalArgumentException e) {
      throw new InferenceException("output '" + name + "': " + e.getMessage(), null);
    }
  }

  static void closeQuietly(OrtSession session) {
    if (session != null) {
      try {
        session.close();
      } catch (OrtException ignored) {
        // the session is being discarded after a failure that is reported instead
      }
    }
  }
}
