package org.mos.common.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A plain folder of images at any depth, as the OOD sets come (iNaturalist, SUN, Places, Textures):
 * every file whose name ends with one of {@link ImageExtensions#ALL} (any case), in sorted order of
 * its path relative to the root (with {@code /} separators, Python string order). Labels are
 * irrelevant, so every sample is {@link Sample#unlabelled unlabelled}.
 */
public final class ImageFiles {

  private ImageFiles() {}

  /**
   * Lists the images under {@code root}.
   *
   * @throws DatasetException when the root is missing, not a folder, or holds no image at any depth
   */
  public static List<Sample> list(Path root) {
    ImageFolder.requireDirectory(root, "image folder");
    TreeMap<String, Path> byRelativePath = new TreeMap<>(PythonStringOrder.COMPARATOR);
    collect(root, "", byRelativePath, 0);
    if (byRelativePath.isEmpty()) {
      throw new DatasetException(
          "no image files under "
              + root
              + ": expected files ending in one of "
              + ImageExtensions.ALL
              + " (any case), at any depth");
    }
    List<Sample> out = new ArrayList<>(byRelativePath.size());
    byRelativePath.values().forEach(p -> out.add(Sample.unlabelled(p)));
    return out;
  }

  private static void collect(Path dir, String rel, TreeMap<String, Path> out, int depth) {
    if (depth > 64) {
      throw new DatasetException(
          "folders nested deeper than 64 levels under " + dir + ": a symbolic link loop?");
    }
    for (Path entry : ImageFolder.list(dir)) {
      String name = entry.getFileName().toString();
      String childRel = rel.isEmpty() ? name : rel + "/" + name;
      if (Files.isDirectory(entry)) {
        collect(entry, childRel, out, depth + 1);
      } else if (ImageExtensions.isImage(name)) {
        out.put(childRel, entry);
      }
    }
  }
}
