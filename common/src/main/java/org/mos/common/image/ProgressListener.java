package org.mos.common.image;

/** Receives {@link Progress} from a {@link PreprocessingPipeline} after each batch. */
@FunctionalInterface
public interface ProgressListener {
  void onProgress(Progress progress);
}
