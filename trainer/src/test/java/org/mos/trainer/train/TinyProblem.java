package org.mos.trainer.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.mos.trainer.model.ResNetV2;

/** A small ResNetV2 and a separable toy data set, for finetuning tests on the CPU. */
final class TinyProblem {

  static final int SIZE = 16;
  static final int[] IMAGE = {3, SIZE, SIZE};

  private TinyProblem() {}

  /** Four units of width 32; weights from DJL's initialisers with a fixed engine seed. */
  static ResNetV2 model(NDManager manager, int classes) {
    manager.getEngine().setRandomSeed(7);
    ResNetV2 model =
        ResNetV2.builder().setUnits(1, 1, 1, 1).optBaseWidth(32).setNumClasses(classes).build();
    model.initialize(manager, DataType.FLOAT32, new Shape(1, 3, SIZE, SIZE));
    return model;
  }

  /**
   * {@code n} images of {@code classes} classes: class c adds a bright band at rows 4c..4c+3 on top
   * of noise, so the classes are separable.
   */
  static float[][] images(int n, int classes, int[] classOf) {
    SplittableRandom random = new SplittableRandom(11);
    float[][] images = new float[n][3 * SIZE * SIZE];
    for (int i = 0; i < n; i++) {
      classOf[i] = i % classes;
      for (int p = 0; p < images[i].length; p++) {
        int row = (p / SIZE) % SIZE;
        double band = row / 4 == classOf[i] ? 1.0 : -0.3;
        images[i][p] = (float) (band + 0.3 * (random.nextDouble() - 0.5));
      }
    }
    return images;
  }

  static InMemoryData flatData(int n, int classes) {
    int[] classOf = new int[n];
    float[][] images = images(n, classes, classOf);
    int[][] labels = new int[n][];
    for (int i = 0; i < n; i++) {
      labels[i] = new int[] {classOf[i]};
    }
    return new InMemoryData(images, labels, IMAGE);
  }

  /** Four classes in groups {2, 2}: classes 0, 1 in group 0, classes 2, 3 in group 1. */
  static InMemoryData groupData(int n) {
    int[] classOf = new int[n];
    float[][] images = images(n, 4, classOf);
    int[][] labels = new int[n][];
    for (int i = 0; i < n; i++) {
      labels[i] = new int[2];
      labels[i][classOf[i] / 2] = classOf[i] % 2 + 1;
    }
    return new InMemoryData(images, labels, IMAGE);
  }
}
