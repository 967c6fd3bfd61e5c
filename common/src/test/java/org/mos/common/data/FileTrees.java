package org.mos.common.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Folder trees of one-byte files for the listing tests; only the names matter to them. */
final class FileTrees {

  private FileTrees() {}

  /** Creates each relative path below {@code root} as a one-byte file, with its folders. */
  static void touch(Path root, String... relativePaths) throws IOException {
    for (String rel : relativePaths) {
      Path p = root.resolve(rel);
      Files.createDirectories(p.getParent());
      Files.write(p, new byte[] {1});
    }
  }
}
