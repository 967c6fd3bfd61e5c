package org.mos.trainer.demo;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.function.Consumer;
import org.mos.common.data.Sample;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.image.ImageBatch;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageSource;
import org.mos.common.image.PreprocessSpec;
import org.mos.common.image.PreprocessingPipeline;

/** Image files read into CHW float arrays with the paper's test preprocessing at a small size. */
final class ImageTensors {

  private ImageTensors() {}

  /**
   * Decodes, resizes (Pillow's antialiased bilinear) and normalises every sample, in order.
   *
   * @throws IOException naming the first unreadable file (demo data must be complete)
   */
  static float[][] load(List<Sample> samples, int size, int threads, Consumer<String> progress)
      throws IOException {
    PreprocessSpec spec = PreprocessSpec.test(size);
    float[][] out = new float[samples.size()][];
    try (PreprocessingPipeline<Sample> pipeline =
        PreprocessingPipeline.builder(samples, (Sample s) -> ImageSource.of(s.path()))
            .setSpec(spec)
            .optBatchSize(64)
            .optThreads(threads)
            .optBadFilePolicy(BadFilePolicy.FAIL)
            .optProgressListener(p -> progress.accept(p.toString()))
            .build()) {
      int perImage = spec.floatsPerImage();
      while (pipeline.hasNext()) {
        ImageBatch batch = pipeline.next();
        FloatBuffer data = batch.data();
        for (int row = 0; row < batch.size(); row++) {
          float[] image = new float[perImage];
          data.get(row * perImage, image);
          out[batch.inputIndex(row)] = image;
        }
      }
    } catch (ImageDecodeException e) {
      throw new IOException(e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading images", e);
    }
    return out;
  }
}
