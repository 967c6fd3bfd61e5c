package org.mos.common.data.demo;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/**
 * Backgrounds, textures and noise shared by the generated in-distribution images and the OOD sets.
 * Sharing them is deliberate: the OOD sets then differ from the in-distribution images in content
 * (shape, or its absence), not in low-level statistics that any score would pick up trivially. All
 * per-pixel maths uses {@link StrictMath} so that images are byte-identical on every JVM.
 */
final class Painting {

  private Painting() {}

  /** A new RGB image with anti-aliased, pure-stroke rendering set up. */
  static BufferedImage canvas(int size) {
    return new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
  }

  static Graphics2D graphics(BufferedImage image) {
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
    return g;
  }

  /** A random colour with the given ranges of saturation and brightness. */
  static Color color(SplittableRandom r, double minSat, double minBright) {
    float h = (float) r.nextDouble();
    float s = (float) (minSat + (1 - minSat) * r.nextDouble());
    float b = (float) (minBright + (1 - minBright) * r.nextDouble());
    return Color.getHSBColor(h, s, b);
  }

  /** Relative luminance in [0, 1]. */
  static double luma(Color c) {
    return (0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue()) / 255.0;
  }

  /** A colour whose luminance differs from {@code from} by at least {@code gap}. */
  static Color contrasting(SplittableRandom r, Color from, double gap) {
    Color c = color(r, 0.2, 0.1);
    for (int tries = 0; tries < 20 && Math.abs(luma(c) - luma(from)) < gap; tries++) {
      c = color(r, 0.2, 0.1);
    }
    return c;
  }

  /**
   * Paints an in-distribution background: a flat colour, a gradient, or a low-contrast texture.
   *
   * @return the background's mean colour, for choosing a contrasting foreground
   */
  static Color background(BufferedImage image, SplittableRandom r) {
    int size = image.getWidth();
    Color a = color(r, 0.0, 0.0);
    // 40% flat, 40% gradient, 20% faint texture: busy enough to matter, calm enough to learn.
    int pick = r.nextInt(10);
    int kind = pick < 4 ? 0 : pick < 8 ? 1 : 2 + (pick & 1);
    if (kind == 0) {
      Graphics2D g = graphics(image);
      g.setColor(a);
      g.fillRect(0, 0, size, size);
      g.dispose();
      return a;
    }
    Color b = blend(a, color(r, 0.0, 0.0), kind == 1 ? 0.8 : 0.08 + 0.12 * r.nextDouble());
    if (kind == 1) {
      Graphics2D g = graphics(image);
      g.setPaint(
          new GradientPaint(
              (float) (size * r.nextDouble()), 0f, a, 0f, (float) (size * r.nextDouble()), b));
      g.fillRect(0, 0, size, size);
      g.dispose();
    } else {
      texture(image, r, a, b, kind == 2 ? 0 : 1 + r.nextInt(4));
    }
    return blend(a, b, 0.5);
  }

  /** Mixes two colours: {@code t} = 0 gives {@code a}, 1 gives {@code b}. */
  static Color blend(Color a, Color b, double t) {
    return new Color(
        (int) Math.round(a.getRed() + t * (b.getRed() - a.getRed())),
        (int) Math.round(a.getGreen() + t * (b.getGreen() - a.getGreen())),
        (int) Math.round(a.getBlue() + t * (b.getBlue() - a.getBlue())));
  }

  /**
   * Fills the image with a two-colour texture: 0 stripes, 1 checkerboard, 2 dots, 3 concentric
   * rings, 4 plaid; with a random period, angle and phase.
   */
  static void texture(BufferedImage image, SplittableRandom r, Color a, Color b, int kind) {
    int size = image.getWidth();
    double period = 3 + r.nextDouble() * size / 4.0;
    double angle = r.nextDouble() * StrictMath.PI;
    double cos = StrictMath.cos(angle);
    double sin = StrictMath.sin(angle);
    double phase = r.nextDouble() * period;
    double cx = size * r.nextDouble();
    double cy = size * r.nextDouble();
    boolean hard = r.nextBoolean();
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        double u = x * cos + y * sin + phase;
        double v = -x * sin + y * cos + phase;
        double t =
            switch (kind) {
              case 0 -> wave(u, period, hard);
              case 1 ->
                  (StrictMath.floorMod((long) StrictMath.floor(u / period * 2), 2)
                          + StrictMath.floorMod((long) StrictMath.floor(v / period * 2), 2))
                      % 2;
              case 2 -> dot(u, v, period) ? 1 : 0;
              case 3 -> wave(StrictMath.hypot(x - cx, y - cy) + phase, period, hard);
              default -> StrictMath.max(wave(u, period, hard), wave(v, period * 1.37, hard));
            };
        image.setRGB(x, y, blend(a, b, t).getRGB());
      }
    }
  }

  private static double wave(double u, double period, boolean hard) {
    double s = 0.5 + 0.5 * StrictMath.sin(2 * StrictMath.PI * u / period);
    return hard ? (s >= 0.5 ? 1 : 0) : s;
  }

  private static boolean dot(double u, double v, double period) {
    double du = u - period * StrictMath.floor(u / period) - period / 2;
    double dv = v - period * StrictMath.floor(v / period) - period / 2;
    return du * du + dv * dv < period * period / 9;
  }

  /** Adds Gaussian noise of standard deviation {@code sigma} (in 0..255 units) to every channel. */
  static void noise(BufferedImage image, SplittableRandom r, double sigma) {
    int size = image.getWidth();
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int rgb = image.getRGB(x, y);
        int red = clamp(((rgb >> 16) & 0xFF) + sigma * Seeds.gaussian(r));
        int green = clamp(((rgb >> 8) & 0xFF) + sigma * Seeds.gaussian(r));
        int blue = clamp((rgb & 0xFF) + sigma * Seeds.gaussian(r));
        image.setRGB(x, y, (red << 16) | (green << 8) | blue);
      }
    }
  }

  /** Replaces every pixel by its luminance (for the grey Fashion-MNIST benchmark). */
  static void toGrey(BufferedImage image) {
    int size = image.getWidth();
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < size; x++) {
        int v = clamp(luma(new Color(image.getRGB(x, y))) * 255);
        image.setRGB(x, y, (v << 16) | (v << 8) | v);
      }
    }
  }

  static int clamp(double v) {
    long i = Math.round(v);
    return (int) Math.max(0, Math.min(255, i));
  }
}
