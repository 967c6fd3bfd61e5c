package org.mos.common.data.demo;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.mos.common.data.FashionMnist;

/**
 * The Fashion-MNIST benchmark: nine classes in three groups (bottoms and dresses, footwear, tops),
 * the held-out class Bag as the near-OOD set, and grey synthetic textures and noise as far-OOD
 * sets. Train and val images are disjoint subsamples of Fashion-MNIST's training part, test and
 * near-OOD images subsamples of its test part; all chosen by a seeded shuffle.
 */
final class FashionMnistSource implements DemoSource {

  /** Class folder name to Fashion-MNIST label, in flat-label (sorted) order. */
  private static final List<String> FOLDERS =
      List.of(
          "bottoms-dress",
          "bottoms-trouser",
          "footwear-ankle-boot",
          "footwear-sandal",
          "footwear-sneaker",
          "tops-coat",
          "tops-pullover",
          "tops-shirt",
          "tops-t-shirt-top");

  private static final int[] FASHION_LABEL = {3, 1, 9, 5, 7, 4, 2, 6, 0};
  static final int BAG = 8;

  static final DemoTaxonomy TAXONOMY =
      new DemoTaxonomy(
          List.of(
              new DemoTaxonomy.Group("bottoms", FOLDERS.subList(0, 2)),
              new DemoTaxonomy.Group("footwear", FOLDERS.subList(2, 5)),
              new DemoTaxonomy.Group("tops", FOLDERS.subList(5, 9))));

  static final String NEAR = "near-bag";
  static final int TRAIN_PER_CLASS = 300;
  static final int VAL_PER_CLASS = 50;
  static final int TEST_PER_CLASS = 100;
  static final int PER_OOD_SET = 400;

  private final long seed;
  private final double scale;
  private final FashionMnist train;
  private final FashionMnist test;
  private final List<int[]> trainPick = new ArrayList<>();
  private final List<int[]> valPick = new ArrayList<>();
  private final List<int[]> testPick = new ArrayList<>();
  private final int[] bagPick;

  FashionMnistSource(Path dir, long seed, double scale) {
    this.seed = seed;
    this.scale = scale;
    this.train = FashionMnist.read(dir, FashionMnist.Split.TRAIN);
    this.test = FashionMnist.read(dir, FashionMnist.Split.TEST);
    for (int flat = 0; flat < FOLDERS.size(); flat++) {
      int label = FASHION_LABEL[flat];
      int[] fromTrain = shuffled(train, label, "train/" + FOLDERS.get(flat));
      int nTrain = Math.min(DemoBenchmark.scaled(TRAIN_PER_CLASS, scale), fromTrain.length / 2);
      int nVal = Math.min(DemoBenchmark.scaled(VAL_PER_CLASS, scale), fromTrain.length - nTrain);
      trainPick.add(java.util.Arrays.copyOfRange(fromTrain, 0, nTrain));
      valPick.add(java.util.Arrays.copyOfRange(fromTrain, nTrain, nTrain + nVal));
      int[] fromTest = shuffled(test, label, "test/" + FOLDERS.get(flat));
      int nTest = Math.min(DemoBenchmark.scaled(TEST_PER_CLASS, scale), fromTest.length);
      testPick.add(java.util.Arrays.copyOf(fromTest, nTest));
    }
    int[] bags = shuffled(test, BAG, "ood/" + NEAR);
    bagPick =
        java.util.Arrays.copyOf(
            bags, Math.min(DemoBenchmark.scaled(PER_OOD_SET, scale), bags.length));
  }

  /** The indices of one label's images, in a seeded random order. */
  private int[] shuffled(FashionMnist data, int label, String what) {
    int[] idx =
        java.util.stream.IntStream.range(0, data.size())
            .filter(i -> data.label(i) == label)
            .toArray();
    SplittableRandom r = Seeds.forChoice(seed, what);
    for (int i = idx.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    return idx;
  }

  @Override
  public String id() {
    return "fashion-mnist";
  }

  @Override
  public DemoTaxonomy taxonomy() {
    return TAXONOMY;
  }

  @Override
  public int count(DemoSplit split, int flat) {
    return pick(split, flat).length;
  }

  private int[] pick(DemoSplit split, int flat) {
    return switch (split) {
      case TRAIN -> trainPick.get(flat);
      case VAL -> valPick.get(flat);
      case TEST -> testPick.get(flat);
    };
  }

  @Override
  public List<String> oodSets() {
    return List.of(NEAR, GeneratedSource.FAR_TEXTURES, GeneratedSource.FAR_NOISE);
  }

  @Override
  public int oodCount(String set) {
    return set.equals(NEAR) ? bagPick.length : DemoBenchmark.scaled(PER_OOD_SET, scale);
  }

  @Override
  public BufferedImage image(DemoSplit split, int flat, int index) {
    return toRgb(split == DemoSplit.TEST ? test : train, pick(split, flat)[index]);
  }

  @Override
  public BufferedImage oodImage(String set, int index) {
    if (set.equals(NEAR)) {
      return toRgb(test, bagPick[index]);
    }
    SplittableRandom r = Seeds.forImage(seed, "ood/" + set, index);
    BufferedImage image =
        switch (set) {
          case GeneratedSource.FAR_TEXTURES -> GeneratedSource.textureScene(r, train.width());
          case GeneratedSource.FAR_NOISE -> GeneratedSource.noiseScene(r, train.width());
          default -> throw new IllegalArgumentException("unknown OOD set '" + set + "'");
        };
    Painting.toGrey(image); // grey like the ID images, so colour alone gives nothing away
    return image;
  }

  /** A Fashion-MNIST image as RGB, the grey value in all three channels. */
  private static BufferedImage toRgb(FashionMnist data, int i) {
    byte[] px = data.pixels(i);
    BufferedImage image = Painting.canvas(data.width());
    for (int y = 0; y < data.height(); y++) {
      for (int x = 0; x < data.width(); x++) {
        int v = px[y * data.width() + x] & 0xFF;
        image.setRGB(x, y, (v << 16) | (v << 8) | v);
      }
    }
    return image;
  }

  @Override
  public String describe() {
    return """
        Fashion-MNIST (Debian package dataset-fashion-mnist), 28x28, written as RGB PNG with the \
        grey value in all three channels. Class folders and their Fashion-MNIST labels: \
        bottoms-dress (3 Dress), bottoms-trouser (1 Trouser), footwear-ankle-boot (9 Ankle boot), \
        footwear-sandal (5 Sandal), footwear-sneaker (7 Sneaker), tops-coat (4 Coat), \
        tops-pullover (2 Pullover), tops-shirt (6 Shirt), tops-t-shirt-top (0 T-shirt/top). \
        Train and val images are disjoint, seeded random subsamples of the 60,000 training \
        images; test images a seeded random subsample of the 10,000 test images.

        OOD sets:
        - `near-bag`: the held-out class Bag (label 8), a seeded subsample of the test images.
        - `far-textures`: two-colour textures (stripes, checkerboard, dots, concentric rings, \
        plaid) with distractors and noise, converted to grey.
        - `far-noise`: Gaussian noise around a random level, or smooth blobs, converted to grey.
        """;
  }
}
