package org.mos.common.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads the files of Debian's {@code dataset-fashion-mnist} package. The expected values were
 * obtained independently with /usr/bin/python3 (gzip + struct on the same files): labels {@code
 * list(gzip.open(f).read()[8:28])}; pixel sums {@code sum(images[16:16 + 784])} for the first image
 * and the last 784 bytes for the last. The tests that need the files are skipped (by assumption)
 * where the package is not installed.
 */
class FashionMnistTest {

  private static final Path DEBIAN = FashionMnist.defaultDirectory();

  private static final int[] FIRST_TRAIN_LABELS = {
    9, 0, 0, 3, 0, 2, 7, 2, 5, 5, 0, 9, 5, 5, 7, 9, 1, 0, 6, 4
  };
  private static final int[] FIRST_TEST_LABELS = {
    9, 2, 1, 1, 6, 1, 4, 6, 5, 7, 4, 5, 7, 3, 4, 1, 2, 4, 8, 0
  };

  private static long pixelSum(byte[] px) {
    long s = 0;
    for (byte b : px) {
      s += b & 0xFF;
    }
    return s;
  }

  @Test
  void readsTheInstalledTrainingSet() {
    assumeTrue(FashionMnist.isPresent(DEBIAN), "dataset-fashion-mnist is not installed");

    FashionMnist train = FashionMnist.read(DEBIAN, FashionMnist.Split.TRAIN);

    assertThat(train.size()).isEqualTo(60000);
    assertThat(train.images().shape()).containsExactly(60000, 28, 28);
    assertThat(Arrays.copyOf(train.labels(), 20)).containsExactly(FIRST_TRAIN_LABELS);
    assertThat(pixelSum(train.pixels(0))).isEqualTo(76247);
    assertThat(train.pixels(0)[14 * 28 + 14] & 0xFF).isEqualTo(217);
    assertThat(pixelSum(train.pixels(59999))).isEqualTo(16684);
    int[] perClass = new int[10];
    for (int label : train.labels()) {
      perClass[label]++;
    }
    assertThat(perClass).containsOnly(6000);
  }

  @Test
  void readsTheInstalledTestSet() {
    assumeTrue(FashionMnist.isPresent(DEBIAN), "dataset-fashion-mnist is not installed");

    FashionMnist test = FashionMnist.read(DEBIAN, FashionMnist.Split.TEST);

    assertThat(test.size()).isEqualTo(10000);
    assertThat(Arrays.copyOf(test.labels(), 20)).containsExactly(FIRST_TEST_LABELS);
    assertThat(pixelSum(test.pixels(0))).isEqualTo(33456);
    assertThat(pixelSum(test.pixels(9999))).isEqualTo(24390);
    assertThat(FashionMnist.CLASS_NAMES.get(test.label(18))).isEqualTo("Bag");
  }

  @Test
  void namesTheFolderTheMissingFilesAndThePackageWhenAbsent(@TempDir Path empty) {
    assertThat(FashionMnist.isPresent(empty)).isFalse();
    assertThatThrownBy(() -> FashionMnist.read(empty, FashionMnist.Split.TRAIN))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("Fashion-MNIST not found in " + empty)
        .hasMessageContaining("train-images-idx3-ubyte.gz")
        .hasMessageContaining("t10k-labels-idx1-ubyte.gz")
        .hasMessageContaining("dataset-fashion-mnist");
  }
}
