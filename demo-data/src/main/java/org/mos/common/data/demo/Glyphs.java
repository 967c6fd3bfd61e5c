package org.mos.common.data.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Arc2D;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.util.SplittableRandom;

/**
 * The shapes of the generated benchmark, drawn with Java2D in a unit frame (radius about 1, y down)
 * and placed with a random size, position, rotation and slight stretch. Filled shapes: polygons and
 * curves; stroked shapes: strokes and letters (drawn as strokes, not with fonts, so that nothing
 * depends on the fonts a machine has).
 */
final class Glyphs {

  private Glyphs() {}

  /** Whether a shape id is known. */
  static boolean known(String id) {
    return switch (id) {
      case "triangle",
          "square",
          "pentagon",
          "hexagon",
          "star",
          "circle",
          "ring",
          "crescent",
          "semicircle",
          "plus",
          "asterisk",
          "zigzag",
          "arrow",
          "e",
          "t",
          "l" ->
          true;
      default -> false;
    };
  }

  /**
   * Draws shape {@code id} on {@code g} in {@code color}, at a random place in an image of side
   * {@code size}.
   */
  static void draw(Graphics2D g, String id, Color color, int size, SplittableRandom r) {
    boolean letter = id.length() == 1;
    double radius = size * (0.28 + 0.14 * r.nextDouble());
    double margin = radius * 0.8;
    double cx = margin + (size - 2 * margin) * r.nextDouble();
    double cy = margin + (size - 2 * margin) * r.nextDouble();
    // Letters stay upright-ish (an 'e' turned 90 degrees is still an 'e', but not to a reader).
    double angle =
        letter ? (r.nextDouble() - 0.5) * StrictMath.PI / 3 : r.nextDouble() * 2 * StrictMath.PI;
    double stretch = 0.8 + 0.4 * r.nextDouble();
    AffineTransform at = new AffineTransform();
    at.translate(cx, cy);
    at.rotate(angle);
    at.scale(radius * stretch, radius / stretch);
    g.setColor(color);
    Shape filled = filled(id, r);
    if (filled != null) {
      g.fill(at.createTransformedShape(filled));
      return;
    }
    float width = (float) (0.18 + 0.16 * r.nextDouble());
    BasicStroke stroke = new BasicStroke(width, BasicStroke.CAP_SQUARE, BasicStroke.JOIN_MITER);
    Shape outline = stroke.createStrokedShape(stroked(id));
    g.fill(at.createTransformedShape(outline));
  }

  private static Shape filled(String id, SplittableRandom r) {
    return switch (id) {
      case "triangle" -> polygon(3, 1.0, 0);
      case "square" -> polygon(4, 1.0, 0);
      case "pentagon" -> polygon(5, 1.0, 0);
      case "hexagon" -> polygon(6, 1.0, 0);
      case "star" -> polygon(5, 1.0, 0.38 + 0.12 * r.nextDouble());
      case "circle" -> disk(0, 0, 1);
      case "ring" -> {
        Area a = new Area(disk(0, 0, 1));
        a.subtract(new Area(disk(0, 0, 0.5 + 0.2 * r.nextDouble())));
        yield a;
      }
      case "crescent" -> {
        Area a = new Area(disk(0, 0, 1));
        a.subtract(new Area(disk(0.45 + 0.2 * r.nextDouble(), 0, 1)));
        yield a;
      }
      case "semicircle" -> new Arc2D.Double(-1, -1, 2, 2, 0, 180, Arc2D.CHORD);
      default -> null;
    };
  }

  private static Shape stroked(String id) {
    Path2D.Double p = new Path2D.Double();
    switch (id) {
      case "plus" -> {
        line(p, -1, 0, 1, 0);
        line(p, 0, -1, 0, 1);
      }
      case "asterisk" -> {
        for (int k = 0; k < 3; k++) {
          double a = k * StrictMath.PI / 3;
          double c = StrictMath.cos(a);
          double s = StrictMath.sin(a);
          line(p, -c, -s, c, s);
        }
      }
      case "zigzag" -> {
        p.moveTo(-1, -0.5);
        p.lineTo(-0.5, 0.5);
        p.lineTo(0, -0.5);
        p.lineTo(0.5, 0.5);
        p.lineTo(1, -0.5);
      }
      case "arrow" -> {
        line(p, -1, 0, 0.9, 0);
        p.moveTo(0.4, -0.5);
        p.lineTo(0.9, 0);
        p.lineTo(0.4, 0.5);
      }
      case "e" -> {
        p.moveTo(0.6, -1);
        p.lineTo(-0.6, -1);
        p.lineTo(-0.6, 1);
        p.lineTo(0.6, 1);
        line(p, -0.6, 0, 0.35, 0);
      }
      case "t" -> {
        line(p, -0.8, -1, 0.8, -1);
        line(p, 0, -1, 0, 1);
      }
      case "l" -> {
        p.moveTo(-0.6, -1);
        p.lineTo(-0.6, 1);
        p.lineTo(0.6, 1);
      }
      default -> throw new IllegalArgumentException("unknown shape '" + id + "'");
    }
    return p;
  }

  private static void line(Path2D.Double p, double x0, double y0, double x1, double y1) {
    p.moveTo(x0, y0);
    p.lineTo(x1, y1);
  }

  private static Shape disk(double cx, double cy, double radius) {
    return new Ellipse2D.Double(cx - radius, cy - radius, 2 * radius, 2 * radius);
  }

  /** A regular polygon with its first vertex up; a star when {@code inner} > 0. */
  private static Shape polygon(int corners, double outer, double inner) {
    Path2D.Double p = new Path2D.Double();
    int points = inner > 0 ? 2 * corners : corners;
    for (int k = 0; k < points; k++) {
      double a = -StrictMath.PI / 2 + 2 * StrictMath.PI * k / points;
      double rad = inner > 0 && k % 2 == 1 ? inner : outer;
      double x = rad * StrictMath.cos(a);
      double y = rad * StrictMath.sin(a);
      if (k == 0) {
        p.moveTo(x, y);
      } else {
        p.lineTo(x, y);
      }
    }
    p.closePath();
    return p;
  }

  /** Draws 0 to 2 distractors: short bars and small blobs in random colours. */
  static void clutter(Graphics2D g, int size, SplittableRandom r) {
    int n = r.nextInt(3);
    for (int k = 0; k < n; k++) {
      g.setColor(Painting.color(r, 0.0, 0.0));
      double x = size * r.nextDouble();
      double y = size * r.nextDouble();
      if (r.nextBoolean()) {
        double len = size * (0.1 + 0.15 * r.nextDouble());
        double a = r.nextDouble() * 2 * StrictMath.PI;
        g.setStroke(new BasicStroke((float) (size * (0.02 + 0.03 * r.nextDouble()))));
        g.draw(
            new java.awt.geom.Line2D.Double(
                x, y, x + len * StrictMath.cos(a), y + len * StrictMath.sin(a)));
      } else {
        double rad = size * (0.03 + 0.04 * r.nextDouble());
        g.fill(disk(x, y, rad));
      }
    }
  }
}
