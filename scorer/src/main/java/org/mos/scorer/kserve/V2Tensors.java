package org.mos.scorer.kserve;

import static org.mos.scorer.kserve.V2Inference.FEATURES;
import static org.mos.scorer.kserve.V2Inference.LOGITS;
import static org.mos.scorer.kserve.V2Inference.PREDICTED_CLASS;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.inference.ImageResult;
import org.mos.scorer.service.ImageInput;
import org.mos.scorer.service.LoadedModel;
import org.mos.scorer.service.ScoringProblem;

/**
 * The tensors of KServe v2 inference: a request's input decoded into the scorer's images, and the
 * scorer's results encoded as output tensors (a batch of N images gives {@code [N, ...]} tensors).
 */
final class V2Tensors {

  private V2Tensors() {}

  /**
   * The images of a request's input: BYTES {@code [N]} or {@code [N, 1]} as encoded images, else
   * {@code [N, 3, size, size]} numbers of finite values as preprocessed images.
   *
   * @throws ScoringProblem 400 for another shape or a value that is not finite
   */
  static List<ImageInput> images(LoadedModel m, V2Input input) {
    long[] s = input.shape();
    int size = m.model().inputSize();
    List<ImageInput> images = new ArrayList<>();
    if (input.datatype() == V2Datatype.BYTES) {
      if (s.length == 0 || s.length > 2 || (s.length == 2 && s[1] != 1)) {
        throw ScoringProblem.badRequest(
            "input '"
                + input.name()
                + "' is BYTES of shape "
                + Arrays.toString(s)
                + "; encoded images are BYTES [N] or [N, 1], one image per element");
      }
      for (int i = 0; i < input.bytes().size(); i++) {
        images.add(new ImageInput.Encoded(input.bytes().get(i), "element " + i));
      }
      return images;
    }
    if (s.length != 4 || s[1] != 3 || s[2] != size || s[3] != size) {
      throw ScoringProblem.badRequest(
          "input '"
              + input.name()
              + "' has shape "
              + Arrays.toString(s)
              + "; model '"
              + m.name()
              + "' takes "
              + input.datatype()
              + " [N, 3, "
              + size
              + ", "
              + size
              + "] (preprocessed images: 3 channels, square "
              + size
              + " x "
              + size
              + ") or BYTES [N] (encoded images)");
    }
    float[] data = input.numbers();
    int per = 3 * size * size;
    for (int i = 0; i < s[0]; i++) {
      for (int k = i * per; k < (i + 1) * per; k++) {
        if (!Float.isFinite(data[k])) {
          throw ScoringProblem.badRequest(
              "input '" + input.name() + "' value " + k + " is " + data[k]);
        }
      }
      images.add(
          new ImageInput.Tensor(Arrays.copyOfRange(data, i * per, (i + 1) * per), "image " + i));
    }
    return images;
  }

  /**
   * Every output of a non-empty list of results, by name: logits, features when the results carry
   * them, predicted_class, and one FP64 tensor per method scored.
   */
  static Map<String, V2Output> outputs(List<ImageResult> images) {
    Map<String, V2Output> out = new LinkedHashMap<>();
    int n = images.size();
    int cols = images.get(0).logits().length;
    float[] logits = new float[n * cols];
    long[] predicted = new long[n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(images.get(i).logits(), 0, logits, i * cols, cols);
      predicted[i] = images.get(i).predictedClass();
    }
    out.put(LOGITS, new V2Output(LOGITS, V2Datatype.FP32, new long[] {n, cols}, logits));
    if (images.get(0).features() != null) {
      int d = images.get(0).features().length;
      float[] f = new float[n * d];
      for (int i = 0; i < n; i++) {
        System.arraycopy(images.get(i).features(), 0, f, i * d, d);
      }
      out.put(FEATURES, new V2Output(FEATURES, V2Datatype.FP32, new long[] {n, d}, f));
    }
    out.put(
        PREDICTED_CLASS,
        new V2Output(PREDICTED_CLASS, V2Datatype.INT64, new long[] {n}, predicted));
    for (String method : images.get(0).scores().keySet()) {
      double[] s = images.stream().mapToDouble(r -> r.scores().get(method)).toArray();
      out.put(method, new V2Output(method, V2Datatype.FP64, new long[] {n}, s));
    }
    return out;
  }
}
