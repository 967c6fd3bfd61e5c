package org.mos.common.image;

import java.nio.file.Path;
import java.util.Objects;

/** Where one input image comes from: a file, or bytes already in memory (an HTTP upload). */
public interface ImageSource {

  /** The path or name that error messages and reports use. */
  String name();

  /** Decodes this input with {@code decoder}. */
  RgbImage decode(ImageDecoder decoder) throws ImageDecodeException;

  /** An image file. */
  static ImageSource of(Path path) {
    Objects.requireNonNull(path, "path");
    return new ImageSource() {
      @Override
      public String name() {
        return path.toString();
      }

      @Override
      public RgbImage decode(ImageDecoder decoder) throws ImageDecodeException {
        return decoder.decode(path);
      }
    };
  }

  /** Encoded bytes named {@code name}; the array is not copied and must not change. */
  static ImageSource of(String name, byte[] encoded) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(encoded, "encoded");
    return new ImageSource() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public RgbImage decode(ImageDecoder decoder) throws ImageDecodeException {
        return decoder.decode(encoded, name);
      }
    };
  }
}
