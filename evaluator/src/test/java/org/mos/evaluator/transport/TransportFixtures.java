package org.mos.evaluator.transport;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.mos.common.inference.synthetic.SyntheticBundle;

/**
 * A linear synthetic bundle (3 classes, logits = W f + b with f the per-channel mean of the
 * normalised image) and small PNGs of varied colours, plus one file that is not an image.
 */
final class TransportFixtures {

  static final float[][] W = {{1, 0, 0}, {0, 2, 0}, {0, 0, -1}};
  static final float[] B = {0.5f, 0, 0.25f};

  private TransportFixtures() {}

  /** Writes the bundle to {@code dir/bundle} and returns its folder. */
  static Path bundle(Path dir) throws IOException {
    Path bundle = dir.resolve("bundle");
    new SyntheticBundle(4, List.of("x", "y", "z"), null, W, B, Map.of()).writeTo(bundle);
    return bundle;
  }

  /**
   * Writes {@code count} PNGs (two colours each, so images differ after resizing) and, when {@code
   * withBroken}, a file {@code broken.png} that is not an image at position {@code count / 2}.
   * Returns one task per file, seq = position, labels cycling 0..2 (the broken one is OOD).
   */
  static List<ImageTask> images(Path dir, int count, boolean withBroken) throws IOException {
    Path images = Files.createDirectories(dir.resolve("images"));
    List<ImageTask> tasks = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (withBroken && i == count / 2) {
        Path broken = images.resolve("broken.png");
        Files.writeString(broken, "this is not a PNG");
        tasks.add(new ImageTask(tasks.size(), "ood", "broken.png", broken, -1));
      }
      Path file = images.resolve("img" + i + ".png");
      png(file, (37 * i) % 256, (91 * i + 40) % 256, (53 * i + 200) % 256);
      tasks.add(new ImageTask(tasks.size(), "id", file.getFileName().toString(), file, i % 3));
    }
    return tasks;
  }

  static void png(Path file, int r, int g, int b) throws IOException {
    BufferedImage img = new BufferedImage(7, 6, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 6; y++) {
      for (int x = 0; x < 7; x++) {
        int rgb = x < 3 ? (r << 16) | (g << 8) | b : (b << 16) | (r << 8) | g;
        img.setRGB(x, y, rgb);
      }
    }
    ImageIO.write(img, "png", file.toFile());
  }

  /** Polls {@code condition} every 50 ms; fails when it is still false after 20 s. */
  static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("condition not met within 20 s");
      }
      Thread.sleep(50);
    }
  }
}
