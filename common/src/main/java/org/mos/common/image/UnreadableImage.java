package org.mos.common.image;

/**
 * An input that could not be decoded: its position in the pipeline's input list, its path or name,
 * and why.
 */
public record UnreadableImage(int index, String source, String reason) {

  static UnreadableImage of(int index, ImageDecodeException e) {
    return new UnreadableImage(index, e.source(), e.reason());
  }

  @Override
  public String toString() {
    return "#" + index + " " + source + ": " + reason;
  }
}
