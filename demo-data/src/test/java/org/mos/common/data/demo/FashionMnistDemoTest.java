package org.mos.common.data.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.data.FashionMnist;
import org.mos.common.data.ImageFiles;
import org.mos.common.data.ImageFolder;
import org.mos.common.data.Sample;

/** The Fashion-MNIST demo against the installed files (skipped where they are not installed). */
class FashionMnistDemoTest {

  /** The documented split: class folder to Fashion-MNIST label. */
  private static final Map<String, Integer> FOLDER_LABEL =
      Map.of(
          "bottoms-dress", 3,
          "bottoms-trouser", 1,
          "footwear-ankle-boot", 9,
          "footwear-sandal", 5,
          "footwear-sneaker", 7,
          "tops-coat", 4,
          "tops-pullover", 2,
          "tops-shirt", 6,
          "tops-t-shirt-top", 0);

  private static final int BAG = 8;

  @TempDir Path tmp;

  /** Image content to the set of labels of the images with that content. */
  private static Map<String, Set<Integer>> byContent(FashionMnist data) {
    Map<String, Set<Integer>> out = new HashMap<>();
    for (int i = 0; i < data.size(); i++) {
      out.computeIfAbsent(key(data.pixels(i)), k -> new HashSet<>()).add(data.label(i));
    }
    return out;
  }

  private static String key(byte[] px) {
    return java.util.Base64.getEncoder().encodeToString(px);
  }

  /** The grey bytes of an RGB PNG, failing when a pixel is not grey. */
  private static byte[] greyPixels(Path png) throws IOException {
    BufferedImage image = ImageIO.read(png.toFile());
    byte[] px = new byte[image.getWidth() * image.getHeight()];
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y);
        int r = (rgb >> 16) & 0xFF;
        assertThat(((rgb >> 8) & 0xFF)).isEqualTo(r);
        assertThat(rgb & 0xFF).isEqualTo(r);
        px[y * image.getWidth() + x] = (byte) r;
      }
    }
    return px;
  }

  @Test
  void everyImageIsAFashionMnistImageOfItsClassFromTheRightPart() throws IOException {
    Path dir = FashionMnist.defaultDirectory();
    assumeTrue(FashionMnist.isPresent(dir), "dataset-fashion-mnist is not installed");
    Path out = tmp.resolve("fm");

    DemoSummary summary =
        DemoBenchmark.builder()
            .setOut(out)
            .optSource(DemoBenchmark.Source.FASHION_MNIST)
            .optScale(0.02) // 300*0.02 = 6 train, 1 val, 2 test per class, 8 per OOD set
            .build()
            .write();

    assertThat(summary.imagesPerSplit())
        .containsExactly(Map.entry("train", 54), Map.entry("val", 9), Map.entry("test", 18));
    Map<String, Set<Integer>> train = byContent(FashionMnist.read(dir, FashionMnist.Split.TRAIN));
    Map<String, Set<Integer>> test = byContent(FashionMnist.read(dir, FashionMnist.Split.TEST));
    Set<String> seen = new HashSet<>();
    for (String split : List.of("train", "val", "test")) {
      ImageFolder folder = ImageFolder.read(out.resolve(split));
      assertThat(folder.classNames())
          .containsExactlyElementsOf(new java.util.TreeSet<>(FOLDER_LABEL.keySet()));
      Map<String, Set<Integer>> source = split.equals("test") ? test : train;
      for (Sample s : folder.samples()) {
        String k = key(greyPixels(s.path()));
        int label = FOLDER_LABEL.get(folder.classNames().get(s.label()));
        assertThat(source.get(k)).as(s.path().toString()).contains(label);
        if (!split.equals("test")) {
          assertThat(seen.add(k)).as("train and val are disjoint: " + s.path()).isTrue();
        }
      }
    }
    List<Sample> bags = ImageFiles.list(out.resolve("ood/near-bag"));
    assertThat(bags).hasSize(8);
    for (Sample s : bags) {
      assertThat(test.get(key(greyPixels(s.path())))).contains(BAG);
    }
    for (Sample s : ImageFiles.list(out.resolve("ood/far-textures"))) {
      assertThat(greyPixels(s.path())).hasSize(28 * 28);
    }
  }
}
