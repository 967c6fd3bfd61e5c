package org.mos.evaluator.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYLineAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.DefaultIntervalXYDataset;
import org.jfree.data.xy.DefaultXYDataset;
import org.mos.common.metrics.Convention;

/**
 * Draws the report's pictures with JFreeChart, headless: one ROC chart per OOD set with every
 * method's curve, and one score histogram per method with the ID set and every OOD set overlaid.
 */
final class ReportCharts {

  static final int ROC_WIDTH = 720;
  static final int ROC_HEIGHT = 600;
  static final int HISTOGRAM_WIDTH = 720;
  static final int HISTOGRAM_HEIGHT = 480;

  /**
   * ROC points closer than this (in both rates) to the last drawn point are not drawn: at 720
   * pixels a step of 1/2000 is invisible, and a 50,000-image ID set would otherwise give every
   * chart hundreds of thousands of segments.
   */
  static final double ROC_RESOLUTION = 1.0 / 2000;

  /** Tableau's ten colours: distinct, colour-blind friendly, readable on white. */
  private static final Color[] PALETTE = {
    new Color(0x4e79a7), new Color(0xf28e2b), new Color(0xe15759), new Color(0x76b7b2),
    new Color(0x59a14f), new Color(0xedc948), new Color(0xb07aa1), new Color(0xff9da7),
    new Color(0x9c755f), new Color(0xbab0ac)
  };

  private static final Color ID_COLOUR = new Color(0x444444);
  private static final Color GRID = new Color(0xdddddd);

  static {
    // A report is written by a batch job, often on a machine without a display; ask AWT for its
    // headless mode unless the caller has decided otherwise.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private ReportCharts() {}

  /**
   * One method's curve on a ROC chart.
   *
   * @param label the legend label
   * @param colour the palette index of the method
   * @param fpr the false-positive rates (OOD accepted)
   * @param tpr the true-positive rates (ID accepted)
   * @param auroc the area, shown in the legend
   */
  record Curve(String label, int colour, double[] fpr, double[] tpr, double auroc) {}

  static Color colour(int index) {
    return PALETTE[Math.floorMod(index, PALETTE.length)];
  }

  /** The ROC chart of one OOD set; {@code notes} (methods not drawn, and why) become a subtitle. */
  static BufferedImage roc(
      String idName, String ood, Convention convention, List<Curve> curves, List<String> notes) {
    DefaultXYDataset data = new DefaultXYDataset();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    int series = 0;
    for (Curve c : curves) {
      String key = c.label() + " (AUROC " + Percent.of(c.auroc()) + "%)";
      double[][] points = decimate(c.fpr(), c.tpr(), ROC_RESOLUTION);
      data.addSeries(unique(data, key), points);
      renderer.setSeriesPaint(series, colour(c.colour()));
      renderer.setSeriesStroke(series, new BasicStroke(2f));
      series++;
    }
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            "ROC: " + idName + " (ID) vs " + ood + " (OOD)",
            "false-positive rate (share of OOD accepted)",
            "true-positive rate (share of ID accepted)",
            data,
            PlotOrientation.VERTICAL,
            true,
            false,
            false);
    XYPlot plot = style(chart);
    plot.setRenderer(renderer);
    for (NumberAxis axis :
        List.of((NumberAxis) plot.getDomainAxis(), (NumberAxis) plot.getRangeAxis())) {
      axis.setRange(0, 1);
    }
    BasicStroke dashed =
        new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {4f}, 0f);
    // The chance diagonal, and where the convention reads FPR95: at 95% of ID accepted (paper),
    // or at 95% of OOD detected, i.e. 5% of OOD accepted (OpenOOD).
    plot.addAnnotation(new XYLineAnnotation(0, 0, 1, 1, dashed, Color.GRAY));
    plot.addAnnotation(
        convention == Convention.PAPER
            ? new XYLineAnnotation(0, 0.95, 1, 0.95, dashed, Color.LIGHT_GRAY)
            : new XYLineAnnotation(0.05, 0, 0.05, 1, dashed, Color.LIGHT_GRAY));
    subtitle(chart, notes.isEmpty() ? null : "not drawn: " + String.join("; ", notes));
    return chart.createBufferedImage(ROC_WIDTH, ROC_HEIGHT);
  }

  /**
   * The score histogram of one method: the ID set (the first series) as grey bars, every OOD set as
   * a coloured step outline over the same bins, so five sets stay readable on one chart.
   */
  static BufferedImage histogram(String label, ScoreHistogram h) {
    DefaultIntervalXYDataset idBars = new DefaultIntervalXYDataset();
    DefaultXYDataset oodSteps = new DefaultXYDataset();
    XYStepRenderer steps = new XYStepRenderer();
    double unit = axisUnit(h.edges());
    double[] edges = h.edges().clone();
    for (int i = 0; i < edges.length; i++) {
      edges[i] /= unit;
    }
    int bins = Math.max(0, edges.length - 1);
    List<String> notDrawn = new ArrayList<>();
    for (int index = 0; index < h.series().size(); index++) {
      ScoreHistogram.Series s = h.series().get(index);
      if (index == 0) {
        idBars.addSeries(
            s.name() + " (ID, n=" + s.finite() + ")", bars(edges, scaled(s.density(), unit)));
      } else {
        String key = unique(oodSteps, s.name() + " (OOD, n=" + s.finite() + ")");
        oodSteps.addSeries(key, outline(edges, scaled(s.density(), unit)));
        steps.setSeriesPaint(index - 1, colour(index - 1));
        steps.setSeriesStroke(index - 1, new BasicStroke(2f));
      }
      if (s.hasNonFinite()) {
        notDrawn.add(nonFinite(s));
      }
    }
    JFreeChart chart =
        ChartFactory.createXYBarChart(
            "Scores of " + label,
            (unit == 1 ? "score" : "score / " + unit) + " (higher = more in-distribution)",
            false,
            "density",
            idBars,
            PlotOrientation.VERTICAL,
            true,
            false,
            false);
    XYPlot plot = style(chart);
    plot.setRenderer(0, idBarRenderer());
    plot.setDataset(1, oodSteps);
    plot.setRenderer(1, steps);
    // Outlines in front of the bars.
    plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);
    NumberAxis x = (NumberAxis) plot.getDomainAxis();
    x.setAutoRangeIncludesZero(false);
    if (bins > 0 && edges[0] < edges[bins]) {
      x.setRange(edges[0], edges[bins]);
    }
    String note =
        bins == 0
            ? "no finite scores"
            : notDrawn.isEmpty() ? null : "not drawn: " + String.join("; ", notDrawn);
    subtitle(chart, note);
    return chart.createBufferedImage(HISTOGRAM_WIDTH, HISTOGRAM_HEIGHT);
  }

  /** Translucent grey bars with a solid outline, without JFreeChart's default gradient. */
  private static XYBarRenderer idBarRenderer() {
    XYBarRenderer bars = new XYBarRenderer(0);
    bars.setBarPainter(new StandardXYBarPainter());
    bars.setShadowVisible(false);
    bars.setDrawBarOutline(true);
    Color c = ID_COLOUR;
    bars.setSeriesPaint(0, new Color(c.getRed(), c.getGreen(), c.getBlue(), 70));
    bars.setSeriesOutlinePaint(0, c);
    return bars;
  }

  /**
   * The unit of the score axis: 1, or for scores beyond 1e300 (whose range JFreeChart cannot
   * measure: the width of -1e308..1e308 overflows) a power of ten that brings them near 1.
   */
  private static double axisUnit(double[] edges) {
    if (edges.length == 0) {
      return 1;
    }
    double largest = Math.max(Math.abs(edges[0]), Math.abs(edges[edges.length - 1]));
    return largest < 1e300 ? 1 : Math.pow(10, Math.floor(Math.log10(largest)));
  }

  /** Densities per axis unit (so the bars keep area 1 on the drawn axis). */
  private static double[] scaled(double[] density, double unit) {
    double[] out = density.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] *= unit;
    }
    return out;
  }

  /** Bars for an interval dataset: x, start x, end x, y, start y, end y per bin. */
  private static double[][] bars(double[] edges, double[] density) {
    int bins = density.length;
    double[][] out = new double[6][bins];
    for (int b = 0; b < bins; b++) {
      out[0][b] = (edges[b] + edges[b + 1]) / 2;
      out[1][b] = edges[b];
      out[2][b] = edges[b + 1];
      out[3][b] = density[b];
      out[5][b] = density[b];
    }
    return out;
  }

  /**
   * The points of a step outline: a step renderer goes right, then up or down, so each bin is its
   * left edge at its density, closed by the last edge and drops to zero at both ends.
   */
  private static double[][] outline(double[] edges, double[] density) {
    int bins = density.length;
    if (bins == 0) {
      return new double[2][0];
    }
    double[] x = new double[bins + 3];
    double[] y = new double[bins + 3];
    x[0] = edges[0];
    for (int b = 0; b < bins; b++) {
      x[b + 1] = edges[b];
      y[b + 1] = density[b];
    }
    x[bins + 1] = edges[bins];
    y[bins + 1] = density[bins - 1];
    x[bins + 2] = edges[bins];
    return new double[][] {x, y};
  }

  private static String nonFinite(ScoreHistogram.Series s) {
    StringBuilder out = new StringBuilder(s.name()).append(' ');
    String sep = "";
    if (s.nan() > 0) {
      out.append(s.nan()).append(" NaN");
      sep = ", ";
    }
    if (s.positiveInfinity() > 0) {
      out.append(sep).append(s.positiveInfinity()).append(" +inf");
      sep = ", ";
    }
    if (s.negativeInfinity() > 0) {
      out.append(sep).append(s.negativeInfinity()).append(" -inf");
    }
    return out.toString();
  }

  private static XYPlot style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(GRID);
    plot.setRangeGridlinePaint(GRID);
    plot.setOutlinePaint(Color.GRAY);
    return plot;
  }

  private static void subtitle(JFreeChart chart, String text) {
    if (text != null) {
      chart.addSubtitle(new TextTitle(text, new Font(Font.SANS_SERIF, Font.PLAIN, 11)));
    }
  }

  /** A legend key not yet used in the dataset (JFreeChart would replace a series of equal key). */
  private static String unique(org.jfree.data.xy.XYDataset data, String key) {
    String candidate = key;
    for (int n = 2; data.indexOf(candidate) >= 0; n++) {
      candidate = key + " #" + n;
    }
    return candidate;
  }

  /**
   * The curve's points with those dropped that lie within {@code resolution} (in both rates) of the
   * last kept point; the first and last points are always kept. The curve is monotone, so every
   * dropped point lies within {@code resolution} of the drawn polyline.
   */
  static double[][] decimate(double[] x, double[] y, double resolution) {
    int n = x.length;
    double[] kx = new double[n];
    double[] ky = new double[n];
    int k = 0;
    for (int i = 0; i < n; i++) {
      boolean keep =
          i == 0
              || i == n - 1
              || Math.abs(x[i] - kx[k - 1]) >= resolution
              || Math.abs(y[i] - ky[k - 1]) >= resolution;
      if (keep) {
        kx[k] = x[i];
        ky[k] = y[i];
        k++;
      }
    }
    return new double[][] {java.util.Arrays.copyOf(kx, k), java.util.Arrays.copyOf(ky, k)};
  }

  /** The image as PNG bytes. */
  static byte[] png(BufferedImage image) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, "png", out)) {
        throw new IllegalStateException("no PNG writer is installed in this Java runtime");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
