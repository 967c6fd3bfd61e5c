package org.mos.common.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The image file extensions that torchvision's {@code ImageFolder} accepts ({@code
 * IMG_EXTENSIONS}), matched case-insensitively on the end of the file name, as torchvision does.
 */
public final class ImageExtensions {

  /** torchvision's {@code IMG_EXTENSIONS}, lower case, in its order. */
  public static final List<String> ALL =
      List.of(".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp");

  private ImageExtensions() {}

  /** Whether the file name ends with one of {@link #ALL}, ignoring case. */
  public static boolean isImage(String fileName) {
    // torchvision: filename.lower().endswith(IMG_EXTENSIONS); Locale.ROOT avoids the Turkish i.
    String lower = fileName.toLowerCase(Locale.ROOT);
    for (String ext : ALL) {
      if (lower.endsWith(ext)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the file's name ends with one of {@link #ALL}, ignoring case. */
  public static boolean isImage(Path file) {
    Path name = file.getFileName();
    return name != null && isImage(name.toString());
  }
}
