package org.mos.common.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** File-level helpers shared by the bundle reader and writer. */
final class BundleFiles {
  static final String MANIFEST = "manifest.json";
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private BundleFiles() {}

  /** Bundle files are flat, plain names: no folders, no parent references, no hidden files. */
  static String checkName(String name) {
    if (name == null || !SAFE_NAME.matcher(name).matches() || name.contains("..")) {
      throw new IllegalArgumentException(
          "bad bundle file name '" + name + "': expected letters, digits, '.', '_' or '-'");
    }
    return name;
  }

  static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        digest.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
