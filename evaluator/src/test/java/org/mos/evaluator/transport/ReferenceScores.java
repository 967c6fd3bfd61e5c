package org.mos.evaluator.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageDecoder;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.ImageResult;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.InputBatch;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.inference.ScoredBatch;
import org.mos.common.score.OdinSettings;

/**
 * The in-process reference: a bundle opened with {@link BundleModel} and {@link BundleScorer}
 * directly, scoring images the way the scorer does. Remote transports must agree with it.
 */
final class ReferenceScores implements AutoCloseable {

  final ModelBundle bundle;
  final BundleModel model;
  final BundleScorer scorer;
  private final ImageDecoder decoder = ImageDecoder.pillowCompatible();

  ReferenceScores(Path bundlePath) throws IOException {
    bundle = ModelBundle.open(bundlePath);
    model = BundleModel.open(bundle, InferenceOptions.cpu());
    scorer = BundleScorer.of(bundle);
  }

  /** Scores encoded images together; throws when one cannot be decoded (as the scorer does). */
  synchronized ScoredBatch score(List<byte[]> encoded, List<String> methods)
      throws ImageDecodeException {
    return score(encoded, methods, null);
  }

  /**
   * Scores encoded images together with ODIN's settings {@code odin} (null: the bundle's), as the
   * scorer's batch runner does: {@link BundleScorer#score(BundleModel, InputBatch, int,
   * ScoreRequest)}, with the passes on perturbed inputs when ODIN perturbs or the bundle was fitted
   * with a Mahalanobis magnitude.
   */
  synchronized ScoredBatch score(List<byte[]> encoded, List<String> methods, OdinSettings odin)
      throws ImageDecodeException {
    return score(encoded, methods, odin, List.of());
  }

  /** {@link #score(List, List, OdinSettings)} returning the outputs {@code include} names too. */
  synchronized ScoredBatch score(
      List<byte[]> encoded, List<String> methods, OdinSettings odin, List<String> include)
      throws ImageDecodeException {
    ScoreRequest request =
        new ScoreRequest(
            methods,
            ScoreRequest.DEFAULT_TPR,
            0,
            include.contains("logits"),
            include.contains("features"),
            odin);
    int n = encoded.size();
    InputBatch batch = model.newInputBatch(n);
    for (int i = 0; i < n; i++) {
      batch.put(i, decoder.decode(encoded.get(i), "image " + i));
    }
    return scorer.score(model, batch, n, request);
  }

  /** The reference result of one image file, or null when it cannot be decoded. */
  ImageResult score(Path file) throws IOException {
    try {
      return score(List.of(Files.readAllBytes(file)), List.of()).images().get(0);
    } catch (ImageDecodeException e) {
      return null;
    }
  }

  /** Reference scores per task seq (tasks whose image cannot be decoded are left out). */
  Map<Long, ImageResult> scoreAll(List<ImageTask> tasks) throws IOException {
    Map<Long, ImageResult> out = new java.util.TreeMap<>();
    for (ImageTask t : tasks) {
      ImageResult r = score(t.path());
      if (r != null) {
        out.put(t.seq(), r);
      }
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    model.close();
    bundle.close();
  }
}
