package org.mos.common.metrics;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;

/**
 * Reads a file of OOD scores, one score per sample: either text with one number per line, or a 1-D
 * float32/float64 NumPy {@code .npy} array (recognised by its magic bytes, whatever the name).
 *
 * <p>Text rules: surrounding white space is ignored, blank lines are skipped (so a trailing newline
 * or blank separator lines do no harm), and every other line must be one decimal number such as
 * {@code 0.5}, {@code -3}, {@code 1e-4}, or {@code inf} / {@code -inf} (NumPy's spelling; also
 * {@code Infinity}). Comments, several numbers on a line, hexadecimal and Java suffixes like {@code
 * 1f} are errors. NaN is an error in both formats, because a NaN score cannot be ranked.
 */
public final class ScoreFile {

  private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

  private ScoreFile() {}

  /**
   * Reads the scores of a file.
   *
   * @throws IOException when the file is missing or unreadable, holds no scores, has a line that is
   *     not one number (naming the line number), a NaN, or is a {@code .npy} array that is not 1-D
   *     float32/float64 (naming its shape or dtype); every message starts with the file
   */
  public static double[] read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + ": no such file");
    }
    double[] scores = isNpy(file) ? readNpy(file) : readText(file);
    if (scores.length == 0) {
      throw new IOException(file + ": no scores (the file is empty or has only blank lines)");
    }
    return scores;
  }

  private static boolean isNpy(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return Arrays.equals(in.readNBytes(NPY_MAGIC.length), NPY_MAGIC);
    }
  }

  private static double[] readNpy(Path file) throws IOException {
    NpyArray array = Npy.read(file);
    if (array.rank() != 1) {
      throw new IOException(
          file
              + ": expected a 1-D array of scores but the shape is "
              + Arrays.toString(array.shape()));
    }
    if (array.dtype().length() < 2 || array.dtype().charAt(1) != 'f') {
      throw new IOException(
          file + ": the dtype is '" + array.dtype() + "': expected float32 or float64 scores");
    }
    double[] values = array.values();
    for (int i = 0; i < values.length; i++) {
      if (Double.isNaN(values[i])) {
        throw new IOException(file + ": element " + i + " is NaN: expected a number");
      }
    }
    return values;
  }

  private static double[] readText(Path file) throws IOException {
    double[] values = new double[1024];
    int n = 0;
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int lineNumber = 0;
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        String text = (lineNumber == 1 ? stripByteOrderMark(line) : line).strip();
        if (text.isEmpty()) {
          continue;
        }
        if (n == values.length) {
          values = Arrays.copyOf(values, values.length * 2);
        }
        values[n++] = parse(text, file, lineNumber);
      }
    } catch (java.nio.charset.MalformedInputException e) {
      throw new IOException(
          file + ": not a text file of scores (nor a .npy array): it is not valid UTF-8", e);
    }
    return Arrays.copyOf(values, n);
  }

  private static double parse(String text, Path file, int lineNumber) throws IOException {
    String unsigned = text.startsWith("-") || text.startsWith("+") ? text.substring(1) : text;
    if (unsigned.equalsIgnoreCase("inf") || unsigned.equalsIgnoreCase("infinity")) {
      return text.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (unsigned.equalsIgnoreCase("nan")) {
      throw new IOException(file + ": line " + lineNumber + " is NaN: expected a number");
    }
    if (isDecimal(text)) {
      try {
        return Double.parseDouble(text);
      } catch (NumberFormatException e) {
        // Falls through to the error below (e.g. "1e" or "--1").
      }
    }
    throw new IOException(
        file
            + ": line "
            + lineNumber
            + " is '"
            + abbreviate(text)
            + "': expected one number per line");
  }

  /** Only digits, signs, a point and exponent marks: what Double.parseDouble must then confirm. */
  private static boolean isDecimal(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
        return false;
      }
    }
    return true;
  }

  private static String stripByteOrderMark(String line) {
    return line.startsWith("\uFEFF") ? line.substring(1) : line;
  }

  private static String abbreviate(String text) {
    return text.length() <= 40 ? text : text.substring(0, 37) + "...";
  }
}
