package org.mos.common.image;

/**
 * Resizes RGB images exactly as Pillow 9's {@code resize((w, h), Image.BILINEAR)} or {@code
 * Image.BICUBIC} does: a separable filter ({@link Interpolation}) whose support widens with the
 * downscale factor (antialiasing), horizontal pass first, rounded and clipped to 8 bits, then the
 * vertical pass, rounded and clipped again; 22-bit fixed-point integer arithmetic throughout
 * ({@link ResampleCoefficients}).
 *
 * <p>A rectangular window of the resized image can be produced without computing the rest (for a
 * random crop of the 512x512 resize, say); every value in the window equals Pillow's value at that
 * position. Per-thread scratch arrays are reused, so the hot path allocates nothing per pixel.
 */
public final class PillowResampler {

  /** Receives the resized window one row at a time; the row array is reused between calls. */
  @FunctionalInterface
  interface RowSink {
    /** Row {@code y} of the window (0-based), {@code 3 * width} interleaved RGB bytes. */
    void row(int y, byte[] rgb, int width);
  }

  private static final int HALF = 1 << (ResampleCoefficients.PRECISION_BITS - 1);
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private PillowResampler() {}

  /** The whole image resized to {@code width x height} (aspect ratio not kept), bilinear. */
  public static RgbImage resize(RgbImage source, int width, int height) {
    return resize(source, width, height, Interpolation.BILINEAR);
  }

  /**
   * The whole image resized to {@code width x height} (aspect ratio not kept) with {@code filter}.
   */
  public static RgbImage resize(RgbImage source, int width, int height, Interpolation filter) {
    byte[] out = new byte[3 * width * height];
    resizeWindow(
        source,
        width,
        height,
        0,
        0,
        width,
        height,
        filter,
        (y, rgb, w) -> System.arraycopy(rgb, 0, out, y * w * 3, w * 3));
    return RgbImage.wrap(width, height, out);
  }

  /**
   * {@link #resizeWindow(RgbImage, int, int, int, int, int, int, Interpolation, RowSink)},
   * bilinear.
   */
  static void resizeWindow(
      RgbImage source,
      int width,
      int height,
      int left,
      int top,
      int windowWidth,
      int windowHeight,
      RowSink sink) {
    resizeWindow(
        source, width, height, left, top, windowWidth, windowHeight, Interpolation.BILINEAR, sink);
  }

  /**
   * Resizes {@code source} to {@code width x height} and hands the window of {@code windowWidth x
   * windowHeight} pixels whose top-left corner is ({@code left}, {@code top}) to {@code sink}.
   */
  static void resizeWindow(
      RgbImage source,
      int width,
      int height,
      int left,
      int top,
      int windowWidth,
      int windowHeight,
      Interpolation filter,
      RowSink sink) {
    checkWindow(width, height, left, top, windowWidth, windowHeight);
    int inW = source.width();
    int inH = source.height();
    ResampleCoefficients horizontal = ResampleCoefficients.of(inW, width, filter);
    ResampleCoefficients vertical = ResampleCoefficients.of(inH, height, filter);
    int firstRow = vertical.first[top];
    int lastRow = vertical.first[top + windowHeight - 1] + vertical.count[top + windowHeight - 1];
    Scratch scratch = SCRATCH.get();
    byte[] rows;
    int rowShift;
    int stride;
    int columnOffset;
    if (inW == width) {
      // Pillow skips the horizontal pass when the width is unchanged; so do we (same values).
      rows = source.pixelsUnsafe();
      rowShift = 0;
      stride = 3 * inW;
      columnOffset = 3 * left;
    } else {
      rows = scratch.temp(3 * windowWidth * (lastRow - firstRow));
      horizontalPass(
          source.pixelsUnsafe(), inW, firstRow, lastRow, horizontal, left, windowWidth, rows);
      rowShift = firstRow;
      stride = 3 * windowWidth;
      columnOffset = 0;
    }
    int rowLength = 3 * windowWidth;
    int[] acc = scratch.acc(rowLength);
    byte[] row = scratch.row(rowLength);
    for (int y = 0; y < windowHeight; y++) {
      int outY = top + y;
      int lo = vertical.first[outY];
      int n = vertical.count[outY];
      int k0 = outY * vertical.taps;
      java.util.Arrays.fill(acc, 0, rowLength, HALF);
      for (int j = 0; j < n; j++) {
        int k = vertical.weights[k0 + j];
        int base = (lo + j - rowShift) * stride + columnOffset;
        for (int i = 0; i < rowLength; i++) {
          acc[i] += (rows[base + i] & 0xFF) * k;
        }
      }
      for (int i = 0; i < rowLength; i++) {
        row[i] = clip8(acc[i]);
      }
      sink.row(y, row, windowWidth);
    }
  }

  /** Resamples source rows [firstRow, lastRow) horizontally into output columns of the window. */
  private static void horizontalPass(
      byte[] src,
      int inW,
      int firstRow,
      int lastRow,
      ResampleCoefficients c,
      int left,
      int windowWidth,
      byte[] out) {
    int o = 0;
    for (int y = firstRow; y < lastRow; y++) {
      int rowBase = y * inW * 3;
      for (int x = left; x < left + windowWidth; x++) {
        int n = c.count[x];
        int k0 = x * c.taps;
        int p = rowBase + c.first[x] * 3;
        int r = HALF;
        int g = HALF;
        int b = HALF;
        for (int j = 0; j < n; j++, p += 3) {
          int k = c.weights[k0 + j];
          r += (src[p] & 0xFF) * k;
          g += (src[p + 1] & 0xFF) * k;
          b += (src[p + 2] & 0xFF) * k;
        }
        out[o++] = clip8(r);
        out[o++] = clip8(g);
        out[o++] = clip8(b);
      }
    }
  }

  private static byte clip8(int v) {
    int s = v >> ResampleCoefficients.PRECISION_BITS;
    return (byte) (s < 0 ? 0 : Math.min(s, 255));
  }

  private static void checkWindow(int width, int height, int left, int top, int ww, int wh) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "target size must be positive, got " + width + "x" + height);
    }
    if (ww <= 0 || wh <= 0 || left < 0 || top < 0 || left + ww > width || top + wh > height) {
      throw new IllegalArgumentException(
          "window "
              + ww
              + "x"
              + wh
              + " at ("
              + left
              + ", "
              + top
              + ") does not fit in the resized "
              + width
              + "x"
              + height
              + " image");
    }
  }

  /** Per-thread reusable arrays, grown on demand. */
  private static final class Scratch {
    private byte[] temp = new byte[0];
    private int[] acc = new int[0];
    private byte[] row = new byte[0];

    byte[] temp(int n) {
      if (temp.length < n) {
        temp = new byte[n];
      }
      return temp;
    }

    int[] acc(int n) {
      if (acc.length < n) {
        acc = new int[n];
      }
      return acc;
    }

    byte[] row(int n) {
      if (row.length < n) {
        row = new byte[n];
      }
      return row;
    }
  }
}
