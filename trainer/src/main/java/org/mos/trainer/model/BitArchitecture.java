package org.mos.trainer.model;

import java.util.Arrays;
import java.util.Locale;

/**
 * The six BiT ResNetV2 architectures. BiT-S (ImageNet-1k) and BiT-M (ImageNet-21k) weights share
 * them, so the twelve released models are these six times two.
 */
public enum BitArchitecture {
  R50x1(new int[] {3, 4, 6, 3}, 1),
  R50x3(new int[] {3, 4, 6, 3}, 3),
  R101x1(new int[] {3, 4, 23, 3}, 1),
  R101x3(new int[] {3, 4, 23, 3}, 3),
  R152x2(new int[] {3, 8, 36, 3}, 2),
  R152x4(new int[] {3, 8, 36, 3}, 4);

  private final int[] units;
  private final int widthFactor;

  BitArchitecture(int[] units, int widthFactor) {
    this.units = units;
    this.widthFactor = widthFactor;
  }

  /** Units in each of the four blocks. */
  public int[] units() {
    return units.clone();
  }

  public int widthFactor() {
    return widthFactor;
  }

  /**
   * Parses {@code R101x1}, {@code BiT-S-R101x1} or {@code BiT-M-R50x3} (case-insensitive); the
   * BiT-S / BiT-M prefix names the pre-training data, not the architecture.
   */
  public static BitArchitecture parse(String name) {
    String bare = name.trim().toUpperCase(Locale.ROOT).replaceFirst("^BIT-[SM]-", "");
    for (BitArchitecture a : values()) {
      if (a.name().toUpperCase(Locale.ROOT).equals(bare)) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "unknown BiT architecture '"
            + name
            + "': expected one of "
            + Arrays.toString(values())
            + ", optionally prefixed by BiT-S- or BiT-M-");
  }
}
