package org.mos.trainer.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Tiny image sets for training tests: four classes of 16x16 PNGs, each a bright half (top, bottom,
 * left, right) on a dark background with a little per-image variation.
 */
public final class TinyImages {

  /** Class folder names, in sorted order (ImageFolder labels 0..3). */
  public static final List<String> CLASSES = List.of("a_top", "b_bottom", "c_left", "d_right");

  private TinyImages() {}

  /** Writes {@code perClass} images per class under {@code root/CLASS/}; returns relative paths. */
  public static List<String> folder(Path root, int perClass) throws IOException {
    List<String> relative = new ArrayList<>();
    for (int c = 0; c < CLASSES.size(); c++) {
      Path dir = Files.createDirectories(root.resolve(CLASSES.get(c)));
      for (int i = 0; i < perClass; i++) {
        String name = "img" + i + ".png";
        ImageIO.write(image(c, i), "png", dir.resolve(name).toFile());
        relative.add(CLASSES.get(c) + "/" + name);
      }
    }
    return relative;
  }

  private static BufferedImage image(int cls, int variant) {
    BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        boolean bright =
            switch (cls) {
              case 0 -> y < 8;
              case 1 -> y >= 8;
              case 2 -> x < 8;
              default -> x >= 8;
            };
        int v = bright ? 220 - 10 * variant : 30 + 5 * variant;
        img.setRGB(x, y, (v << 16) | (v << 8) | v);
      }
    }
    return img;
  }
}
