package org.mos.trainer.train;

import java.util.Arrays;

/** Training data held in arrays, already preprocessed (no randomness): tests, the demo. */
public final class InMemoryData implements TrainingData {

  private final float[][] images;
  private final int[][] labels;
  private final int[] shape;

  /**
   * @param images CHW images, all of {@code shape}
   * @param labels one label vector per image, all of one width
   */
  public InMemoryData(float[][] images, int[][] labels, int... shape) {
    if (images.length != labels.length || images.length == 0) {
      throw new IllegalArgumentException(
          images.length + " images and " + labels.length + " labels: expected equal, non-zero");
    }
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    for (int i = 0; i < images.length; i++) {
      if (images[i].length != n) {
        throw new IllegalArgumentException(
            "image "
                + i
                + " has "
                + images[i].length
                + " values, shape "
                + Arrays.toString(shape)
                + " needs "
                + n);
      }
      if (labels[i].length != labels[0].length) {
        throw new IllegalArgumentException(
            "label " + i + " has width " + labels[i].length + ", expected " + labels[0].length);
      }
    }
    this.images = images;
    this.labels = labels;
    this.shape = shape.clone();
  }

  @Override
  public int size() {
    return images.length;
  }

  @Override
  public int[] imageShape() {
    return shape.clone();
  }

  @Override
  public int labelWidth() {
    return labels[0].length;
  }

  @Override
  public Batches open(int[] indices, int microBatch, long seed) {
    int[] next = {0};
    return new Batches() {
      @Override
      public boolean hasNext() {
        return next[0] < indices.length;
      }

      @Override
      public MicroBatch next() {
        int from = next[0];
        int rows = Math.min(microBatch, indices.length - from);
        int imageSize = images[0].length;
        int width = labels[0].length;
        float[] x = new float[rows * imageSize];
        int[] y = new int[rows * width];
        for (int r = 0; r < rows; r++) {
          System.arraycopy(images[indices[from + r]], 0, x, r * imageSize, imageSize);
          System.arraycopy(labels[indices[from + r]], 0, y, r * width, width);
        }
        next[0] = from + rows;
        return new MicroBatch(x, y, rows);
      }
    };
  }
}
