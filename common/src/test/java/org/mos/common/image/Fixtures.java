package org.mos.common.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;

/**
 * Reads the fixtures written by scripts/fixtures/make_image_fixtures.py (Pillow 9.4's outputs).
 * Reference PNGs are read with plain ImageIO raster samples, not with the code under test.
 */
final class Fixtures {

  private Fixtures() {}

  static Path dir() {
    try {
      return Path.of(Fixtures.class.getResource("/fixtures/image/manifest.json").toURI())
          .getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Path file(String name) {
    return dir().resolve(name);
  }

  static JsonNode manifest() {
    try {
      return new ObjectMapper().readTree(file("manifest.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An 8-bit RGB PNG written by PIL, as an image, read through raster samples. */
  static RgbImage referencePng(String name) {
    try {
      BufferedImage img = ImageIO.read(file(name).toFile());
      Raster r = img.getRaster();
      if (r.getNumBands() != 3 || r.getSampleModel().getSampleSize(0) != 8) {
        throw new IllegalStateException(name + " is not an 8-bit RGB PNG");
      }
      int w = img.getWidth();
      int h = img.getHeight();
      int[] samples = r.getPixels(0, 0, w, h, (int[]) null);
      byte[] out = new byte[samples.length];
      for (int i = 0; i < samples.length; i++) {
        out[i] = (byte) samples[i];
      }
      return RgbImage.of(w, h, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A gzip-compressed uint8 .npy of shape (h, w, c). */
  static NpyArray npy(String name) {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file(name)))) {
      return Npy.read(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A gzip-compressed uint8 .npy of shape (h, w, 3) as an image. */
  static RgbImage npyImage(String name) {
    NpyArray a = npy(name);
    int[] v = a.toInts();
    byte[] out = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (byte) v[i];
    }
    return RgbImage.of(a.shape()[1], a.shape()[0], out);
  }

  /** Largest absolute difference between corresponding samples of two same-size images. */
  static int maxAbsDiff(RgbImage a, RgbImage b) {
    if (a.width() != b.width() || a.height() != b.height()) {
      throw new IllegalArgumentException(a + " vs " + b);
    }
    byte[] x = a.copyPixels();
    byte[] y = b.copyPixels();
    int max = 0;
    for (int i = 0; i < x.length; i++) {
      max = Math.max(max, Math.abs((x[i] & 0xFF) - (y[i] & 0xFF)));
    }
    return max;
  }

  /** Number of samples that differ by more than {@code tolerance}. */
  static int countAbove(RgbImage a, RgbImage b, int tolerance) {
    byte[] x = a.copyPixels();
    byte[] y = b.copyPixels();
    int n = 0;
    for (int i = 0; i < x.length; i++) {
      if (Math.abs((x[i] & 0xFF) - (y[i] & 0xFF)) > tolerance) {
        n++;
      }
    }
    return n;
  }
}
