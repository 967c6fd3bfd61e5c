package org.mos.common.data.demo;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The generated benchmark: shapes drawn with Java2D on cluttered, noisy backgrounds. Four families
 * (groups) of 12 in-distribution classes; held-out shapes of the same families as the near-OOD set;
 * textures and noise without any shape as far-OOD sets.
 */
final class GeneratedSource implements DemoSource {

  /** The in-distribution taxonomy; class folder names are {@code family-shape}. */
  static final DemoTaxonomy TAXONOMY =
      new DemoTaxonomy(
          List.of(
              new DemoTaxonomy.Group(
                  "curve", List.of("curve-circle", "curve-crescent", "curve-ring")),
              new DemoTaxonomy.Group("letter", List.of("letter-e", "letter-t")),
              new DemoTaxonomy.Group(
                  "polygon",
                  List.of(
                      "polygon-hexagon", "polygon-pentagon", "polygon-square", "polygon-triangle")),
              new DemoTaxonomy.Group(
                  "stroke", List.of("stroke-asterisk", "stroke-plus", "stroke-zigzag"))));

  /** The held-out shapes of the near-OOD set, one per family, taken in turn. */
  static final List<String> NEAR_SHAPES = List.of("semicircle", "l", "star", "arrow");

  static final String NEAR = "near-shapes";
  static final String FAR_TEXTURES = "far-textures";
  static final String FAR_NOISE = "far-noise";

  static final int TRAIN_PER_CLASS = 200;
  static final int VAL_PER_CLASS = 50;
  static final int TEST_PER_CLASS = 50;
  static final int PER_OOD_SET = 400;

  private final long seed;
  private final double scale;
  private final int size;

  GeneratedSource(long seed, double scale, int size) {
    this.seed = seed;
    this.scale = scale;
    this.size = size;
  }

  @Override
  public String id() {
    return "generated";
  }

  @Override
  public DemoTaxonomy taxonomy() {
    return TAXONOMY;
  }

  @Override
  public int count(DemoSplit split, int flat) {
    int base =
        switch (split) {
          case TRAIN -> TRAIN_PER_CLASS;
          case VAL -> VAL_PER_CLASS;
          case TEST -> TEST_PER_CLASS;
        };
    return DemoBenchmark.scaled(base, scale);
  }

  @Override
  public List<String> oodSets() {
    return List.of(NEAR, FAR_TEXTURES, FAR_NOISE);
  }

  @Override
  public int oodCount(String set) {
    return DemoBenchmark.scaled(PER_OOD_SET, scale);
  }

  @Override
  public BufferedImage image(DemoSplit split, int flat, int index) {
    String className = TAXONOMY.classNames().get(flat);
    SplittableRandom r = Seeds.forImage(seed, split.folder() + "/" + className, index);
    return shapeScene(className.substring(className.indexOf('-') + 1), r);
  }

  @Override
  public BufferedImage oodImage(String set, int index) {
    SplittableRandom r = Seeds.forImage(seed, "ood/" + set, index);
    return switch (set) {
      case NEAR -> shapeScene(NEAR_SHAPES.get(index % NEAR_SHAPES.size()), r);
      case FAR_TEXTURES -> textureScene(r, size);
      case FAR_NOISE -> noiseScene(r, size);
      default -> throw new IllegalArgumentException("unknown OOD set '" + set + "'");
    };
  }

  /** Background, clutter, one shape, noise: the recipe of every ID and near-OOD image. */
  private BufferedImage shapeScene(String shape, SplittableRandom r) {
    BufferedImage image = Painting.canvas(size);
    Color mean = Painting.background(image, r);
    Graphics2D g = Painting.graphics(image);
    Glyphs.clutter(g, size, r);
    Glyphs.draw(g, shape, Painting.contrasting(r, mean, 0.3), size, r);
    g.dispose();
    Painting.noise(image, r, 2 + 10 * r.nextDouble());
    return image;
  }

  /** A full-contrast texture (stripes, checks, dots, rings, plaid), sometimes with clutter. */
  static BufferedImage textureScene(SplittableRandom r, int size) {
    BufferedImage image = Painting.canvas(size);
    Color a = Painting.color(r, 0.0, 0.0);
    // Contrast 25-60%: full-contrast edges everywhere would make any classifier over-confident.
    Color b = Painting.blend(a, Painting.contrasting(r, a, 0.3), 0.25 + 0.35 * r.nextDouble());
    Painting.texture(image, r, a, b, r.nextInt(5));
    Graphics2D g = Painting.graphics(image);
    Glyphs.clutter(g, size, r);
    g.dispose();
    Painting.noise(image, r, 3 + 15 * r.nextDouble());
    return image;
  }

  /**
   * Noise: white Gaussian noise around a random colour, or smooth blobs (a coarse random grid
   * scaled up bilinearly), each with fine noise on top.
   */
  static BufferedImage noiseScene(SplittableRandom r, int size) {
    BufferedImage image = Painting.canvas(size);
    Graphics2D g = Painting.graphics(image);
    if (r.nextBoolean()) {
      g.setColor(Painting.color(r, 0.0, 0.0));
      g.fillRect(0, 0, size, size);
      g.dispose();
      Painting.noise(image, r, 10 + 25 * r.nextDouble());
      return image;
    }
    int cells = 2 + r.nextInt(6);
    BufferedImage coarse = Painting.canvas(cells);
    for (int y = 0; y < cells; y++) {
      for (int x = 0; x < cells; x++) {
        coarse.setRGB(x, y, Painting.color(r, 0.0, 0.0).getRGB());
      }
    }
    g.setRenderingHint(
        java.awt.RenderingHints.KEY_INTERPOLATION,
        java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(coarse, 0, 0, size, size, null);
    g.dispose();
    Painting.noise(image, r, 3 + 15 * r.nextDouble());
    return image;
  }

  @Override
  public String describe() {
    return """
        Generated shapes (Java2D), %dx%d RGB. Every image: a random background (40%% flat \
        colour, 40%% gradient, 20%% faint stripes/checks/dots/rings/plaid), 0-2 distractors \
        (short bars, small blobs), one shape of random size (radius 28-42%% of the side), \
        position, rotation (letters only +-30 degrees), stretch (0.8-1.2) and colour (luminance \
        at least 0.3 away from the background's mean), then Gaussian pixel noise (sigma 2-12 of \
        255).

        OOD sets:
        - `near-shapes`: held-out shapes of the same four families drawn the same way, in turn: \
        semicircle (curve), letter l (letter), five-pointed star (polygon), arrow (stroke).
        - `far-textures`: two-colour textures (stripes, checkerboard, dots, concentric rings, \
        plaid) at 25-60%% contrast, with distractors and noise, no shape.
        - `far-noise`: Gaussian colour noise (sigma 10-35) around a random colour, or smooth \
        colour blobs (a 2x2 to 7x7 random grid scaled up bilinearly) with fine noise, no shape.
        """
        .formatted(size, size);
  }
}
