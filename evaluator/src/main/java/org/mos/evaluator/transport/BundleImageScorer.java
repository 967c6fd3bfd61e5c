package org.mos.evaluator.transport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageDecoder;
import org.mos.common.image.RgbImage;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.ImageResult;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.InputBatch;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.score.OdinSettings;

/**
 * One model bundle opened for scoring single encoded images in this process ({@link BundleModel} +
 * {@link BundleScorer}): what the in-memory messaging processor runs. Thread-safe: every call uses
 * its own input buffer.
 */
public final class BundleImageScorer implements AutoCloseable {

  private final ModelBundle bundle;
  private final BundleModel model;
  private final BundleScorer scorer;
  private final ImageDecoder decoder = ImageDecoder.pillowCompatible();

  private BundleImageScorer(ModelBundle bundle, BundleModel model, BundleScorer scorer) {
    this.bundle = bundle;
    this.model = model;
    this.scorer = scorer;
  }

  /** Opens a bundle folder or {@code .zip}. */
  public static BundleImageScorer open(Path bundlePath, InferenceOptions options)
      throws IOException {
    ModelBundle bundle = ModelBundle.open(bundlePath);
    try {
      BundleModel model = BundleModel.open(bundle, options);
      try {
        return new BundleImageScorer(bundle, model, BundleScorer.of(bundle));
      } catch (IOException | RuntimeException e) {
        model.close();
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      bundle.close();
      throw e;
    }
  }

  /** The supported methods, in registry order. */
  public List<String> methods() {
    return scorer.methods();
  }

  /** The bundle's SHA-256 checksum. */
  public String checksum() {
    return model.checksum();
  }

  /**
   * Decodes and scores one encoded image, with input perturbation where the request or the bundle
   * asks for it: ODIN with epsilon above 0, Mahalanobis fitted with a magnitude above 0.
   *
   * @param encoded the image file's bytes (JPEG or PNG)
   * @param source names the image in errors
   * @param methods the methods wanted; empty = all
   * @param odin ODIN's epsilon and temperature, or null for the bundle's
   * @throws ImageDecodeException when the bytes are not a decodable image
   * @throws IllegalArgumentException naming a method the model does not support, or ODIN settings
   *     it cannot apply (epsilon above 0 without gradient graphs)
   */
  public ImageResult score(byte[] encoded, String source, List<String> methods, OdinSettings odin)
      throws ImageDecodeException {
    return score(encoded, source, methods, odin, Set.of());
  }

  /**
   * {@link #score(byte[], String, List, OdinSettings)} that also returns the outputs named in
   * {@code include} ({@code logits}, {@code features}) in the result.
   */
  public ImageResult score(
      byte[] encoded, String source, List<String> methods, OdinSettings odin, Set<String> include)
      throws ImageDecodeException {
    RgbImage image = decoder.decode(encoded, source);
    ScoreRequest request =
        new ScoreRequest(
            methods,
            ScoreRequest.DEFAULT_TPR,
            0,
            include.contains(ScoringTransport.LOGITS),
            include.contains(ScoringTransport.FEATURES),
            odin);
    InputBatch batch = model.newInputBatch(1);
    batch.put(0, image);
    return scorer.score(model, batch, 1, request).images().get(0);
  }

  @Override
  public void close() {
    try (bundle) {
      model.close();
    } catch (IOException e) {
      // the bundle's temporary unzip folder could not be removed; nothing else depends on it
    }
  }
}
