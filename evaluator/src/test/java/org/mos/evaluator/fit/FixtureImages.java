package org.mos.evaluator.fit;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** The 4x4 RGB images of the fit fixtures (scripts/fixtures/make_*_fixtures.py) as PNG files. */
final class FixtureImages {

  private FixtureImages() {}

  /** Writes each image of {@code pixels} (48 values, row-major RGB) as {@code folder/NNN.png}. */
  static Path writePngs(Path folder, JsonNode pixels) throws IOException {
    Files.createDirectories(folder);
    for (int n = 0; n < pixels.size(); n++) {
      JsonNode p = pixels.get(n);
      BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < 4; y++) {
        for (int x = 0; x < 4; x++) {
          int at = (y * 4 + x) * 3;
          int rgb =
              (p.get(at).asInt() << 16) | (p.get(at + 1).asInt() << 8) | p.get(at + 2).asInt();
          img.setRGB(x, y, rgb);
        }
      }
      ImageIO.write(img, "png", folder.resolve(String.format("%03d.png", n)).toFile());
    }
    return folder;
  }
}
