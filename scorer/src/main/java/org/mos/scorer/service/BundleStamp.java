package org.mos.scorer.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What identifies a version of a bundle on disk without reading it: the manifest's (or zip's)
 * modification time, size and file key. The bundle writer moves a new bundle into place atomically,
 * so a new version always shows a new stamp.
 */
record BundleStamp(long modifiedMillis, long size, Object fileKey) {

  static BundleStamp of(Path bundle) throws IOException {
    Path file = Files.isDirectory(bundle) ? bundle.resolve("manifest.json") : bundle;
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    return new BundleStamp(a.lastModifiedTime().toMillis(), a.size(), a.fileKey());
  }
}
