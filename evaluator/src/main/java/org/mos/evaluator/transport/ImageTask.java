package org.mos.evaluator.transport;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One image an evaluation run wants scored.
 *
 * @param seq the image's position in the run (unique per run; results are matched back by it)
 * @param dataset the dataset the image belongs to ({@code id} or an OOD set's name)
 * @param imageId the image's stable id within its dataset (its path relative to the dataset root)
 * @param path where the encoded image is read from
 * @param label the flat class index for ID images, -1 for OOD images
 */
public record ImageTask(long seq, String dataset, String imageId, Path path, int label) {
  public ImageTask {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(imageId, "imageId");
    Objects.requireNonNull(path, "path");
    if (seq < 0) {
      throw new IllegalArgumentException("seq is " + seq + "; expected 0 or more");
    }
    if (label < -1) {
      throw new IllegalArgumentException("label is " + label + "; expected -1 (OOD) or a class");
    }
  }
}
