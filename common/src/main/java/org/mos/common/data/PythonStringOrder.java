package org.mos.common.data;

import java.util.Comparator;

/**
 * The order of Python's {@code sorted()} on strings: lexicographic by Unicode code point. Java's
 * {@link String#compareTo} compares UTF-16 units instead, which differs only for characters outside
 * the Basic Multilingual Plane; readers use this order so that labels match torchvision's exactly.
 */
public final class PythonStringOrder {

  /** Compares strings code point by code point, shorter prefix first. */
  public static final Comparator<String> COMPARATOR = PythonStringOrder::compare;

  private PythonStringOrder() {}

  /** Compares two strings as Python compares {@code str} values. */
  public static int compare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }
}
