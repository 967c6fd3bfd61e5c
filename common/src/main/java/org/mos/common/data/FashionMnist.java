package org.mos.common.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf 2017) read from its four IDX files: 60,000 training and
 * 10,000 test images of 28x28 grey pixels in 10 classes. Debian's {@code dataset-fashion-mnist}
 * package installs them gzipped under {@value #DEBIAN_DIRECTORY}; any folder holding the files
 * (gzipped or not) works too.
 *
 * @param split which part was read
 * @param images the images, unsigned bytes of shape (n, 28, 28), 0 = black
 * @param labels the labels, 0..9, indexes into {@link #CLASS_NAMES}
 */
public record FashionMnist(Split split, IdxArray images, int[] labels) {

  /** Where Debian's {@code dataset-fashion-mnist} package puts the files. */
  public static final String DEBIAN_DIRECTORY = "/usr/share/datasets/fashion-mnist";

  /** The class names of the labels 0..9, as the dataset's authors name them. */
  public static final List<String> CLASS_NAMES =
      List.of(
          "T-shirt/top",
          "Trouser",
          "Pullover",
          "Dress",
          "Coat",
          "Sandal",
          "Shirt",
          "Sneaker",
          "Bag",
          "Ankle boot");

  /** The two parts of the dataset. */
  public enum Split {
    TRAIN("train"),
    TEST("t10k");

    private final String prefix;

    Split(String prefix) {
      this.prefix = prefix;
    }

    /** The file name prefix: {@code train} or {@code t10k}. */
    public String prefix() {
      return prefix;
    }
  }

  public FashionMnist {
    labels = labels.clone();
    if (images.rank() != 3 || images.count() != labels.length) {
      throw new DatasetException(
          "Fashion-MNIST "
              + split
              + ": expected images of shape (n, 28, 28) and n labels, got shape "
              + java.util.Arrays.toString(images.shape())
              + " and "
              + labels.length
              + " labels");
    }
  }

  /** The Debian package's folder. */
  public static Path defaultDirectory() {
    return Path.of(DEBIAN_DIRECTORY);
  }

  /** Whether {@code dir} holds all four files (gzipped or not). */
  public static boolean isPresent(Path dir) {
    return missingFiles(dir).isEmpty();
  }

  /**
   * Reads one split from {@code dir}.
   *
   * @throws DatasetException naming the folder, the missing files and the Debian package when the
   *     files are absent, or when they are not valid IDX files of matching sizes
   */
  public static FashionMnist read(Path dir, Split split) {
    List<String> missing = missingFiles(dir);
    if (!missing.isEmpty()) {
      throw new DatasetException(
          "Fashion-MNIST not found in "
              + dir
              + ": missing "
              + String.join(", ", missing)
              + " (gzipped or not); install the Debian package dataset-fashion-mnist"
              + " (files in "
              + DEBIAN_DIRECTORY
              + ") or give a folder holding them");
    }
    IdxArray images = Idx.read(find(dir, split.prefix() + "-images-idx3-ubyte"));
    IdxArray labelArray = Idx.read(find(dir, split.prefix() + "-labels-idx1-ubyte"));
    if (images.type() != IdxArray.DataType.UNSIGNED_BYTE
        || labelArray.type() != IdxArray.DataType.UNSIGNED_BYTE
        || labelArray.rank() != 1) {
      throw new DatasetException(
          "Fashion-MNIST in " + dir + ": expected unsigned-byte images and a 1-d label file");
    }
    int[] labels = labelArray.toInts();
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] >= CLASS_NAMES.size()) {
        throw new DatasetException(
            "Fashion-MNIST in " + dir + ": label " + labels[i] + " at " + i + " is not in 0..9");
      }
    }
    return new FashionMnist(split, images, labels);
  }

  /** The number of images. */
  public int size() {
    return labels.length;
  }

  /** The labels (a copy). */
  @Override
  public int[] labels() {
    return labels.clone();
  }

  /** The label of image {@code i}. */
  public int label(int i) {
    return labels[i];
  }

  /** The 784 grey pixels of image {@code i}, row by row, unsigned (use {@code & 0xFF}). */
  public byte[] pixels(int i) {
    return images.itemBytes(i);
  }

  /** Image height (28). */
  public int height() {
    return images.shape()[1];
  }

  /** Image width (28). */
  public int width() {
    return images.shape()[2];
  }

  private static List<String> missingFiles(Path dir) {
    List<String> missing = new ArrayList<>();
    for (Split s : Split.values()) {
      for (String kind : List.of("-images-idx3-ubyte", "-labels-idx1-ubyte")) {
        if (find(dir, s.prefix() + kind) == null) {
          missing.add(s.prefix() + kind + ".gz");
        }
      }
    }
    return missing;
  }

  private static Path find(Path dir, String base) {
    for (String name : List.of(base + ".gz", base)) {
      Path p = dir.resolve(name);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }
}
