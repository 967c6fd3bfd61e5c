package org.mos.scorer.service;

/** One image of a request: encoded bytes (JPEG/PNG) or a preprocessed CHW float tensor. */
public sealed interface ImageInput {

  /** Encoded image bytes; {@code source} names it in errors (a part name or an index). */
  record Encoded(byte[] bytes, String source) implements ImageInput {}

  /** A preprocessed tensor of shape [3, size, size], row-major. */
  record Tensor(float[] chw, String source) implements ImageInput {}
}
