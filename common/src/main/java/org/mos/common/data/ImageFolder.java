package org.mos.common.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A labelled image tree {@code root/CLASS/**\/*.ext}, read exactly as torchvision's {@code
 * ImageFolder} reads it, so that a flat label here is the label a PyTorch model trained on the same
 * folder was trained with.
 *
 * <p>torchvision's rules, reproduced: the classes are the sub-directories of the root (following
 * symbolic links, hidden ones included) in {@code sorted()} order, and the label of a class is its
 * position in that order. Under each class, {@code os.walk} (following links) visits the folders;
 * they are taken in sorted order of their paths, and the files of each folder in sorted order of
 * their names, keeping those whose name ends with one of {@link ImageExtensions#ALL} ignoring case.
 * Note that this is not the sorted order of whole relative paths: {@code cls/z.png} comes before
 * {@code cls/a/b.png}, because the folder {@code cls} sorts before {@code cls/a}. A class without
 * any image is an error, as in torchvision.
 */
public final class ImageFolder {

  private final Path root;
  private final List<String> classNames;
  private final List<Sample> samples;

  private ImageFolder(Path root, List<String> classNames, List<Sample> samples) {
    this.root = root;
    this.classNames = List.copyOf(classNames);
    this.samples = List.copyOf(samples);
  }

  /**
   * Reads the tree under {@code root}.
   *
   * @throws DatasetException when the root is missing or not a folder, has no class folders, or a
   *     class folder holds no image
   */
  public static ImageFolder read(Path root) {
    requireDirectory(root, "image folder root");
    List<String> classes = new ArrayList<>();
    for (Path entry : list(root)) {
      if (Files.isDirectory(entry)) {
        classes.add(entry.getFileName().toString());
      }
    }
    if (classes.isEmpty()) {
      throw new DatasetException(
          "no class folders in " + root + ": expected an ImageFolder tree root/CLASS/**/*.png");
    }
    classes.sort(PythonStringOrder.COMPARATOR);
    List<Sample> samples = new ArrayList<>();
    List<String> empty = new ArrayList<>();
    for (int label = 0; label < classes.size(); label++) {
      List<Path> files = walkInTorchvisionOrder(root.resolve(classes.get(label)));
      if (files.isEmpty()) {
        empty.add(classes.get(label));
      }
      for (Path file : files) {
        samples.add(Sample.labelled(file, label));
      }
    }
    if (!empty.isEmpty()) {
      throw new DatasetException(
          "no image files for the classes "
              + empty
              + " under "
              + root
              + ": expected files ending in one of "
              + ImageExtensions.ALL
              + " (any case)");
    }
    return new ImageFolder(root, classes, samples);
  }

  /** The root folder. */
  public Path root() {
    return root;
  }

  /** The class folder names; the flat label of a class is its index here. */
  public List<String> classNames() {
    return classNames;
  }

  /** The samples in torchvision's order, each with its flat label. */
  public List<Sample> samples() {
    return samples;
  }

  /** The number of samples. */
  public int size() {
    return samples.size();
  }

  /** The flat label of a class folder name; fails naming the known classes when absent. */
  public int labelOf(String className) {
    int i = classNames.indexOf(className);
    if (i < 0) {
      throw new IllegalArgumentException(
          "no class '" + className + "' in " + root + "; classes are " + classNames);
    }
    return i;
  }

  /** Number of samples per flat label. */
  public int[] countsPerClass() {
    int[] counts = new int[classNames.size()];
    for (Sample s : samples) {
      counts[s.label()]++;
    }
    return counts;
  }

  /**
   * The image files under one class folder: {@code sorted(os.walk(dir, followlinks=True))}, then
   * {@code sorted(fnames)} within each folder, filtered by extension.
   */
  static List<Path> walkInTorchvisionOrder(Path classDir) {
    // Key: the folder's path relative to the class folder with '/' separators ("" for itself);
    // sorting these keys sorts the os.walk roots, which share the class folder as prefix.
    Map<String, List<String>> filesByFolder = new TreeMap<>(PythonStringOrder.COMPARATOR);
    collect(classDir, "", filesByFolder, new HashSet<>());
    List<Path> out = new ArrayList<>();
    for (Map.Entry<String, List<String>> folder : filesByFolder.entrySet()) {
      Path dir = folder.getKey().isEmpty() ? classDir : classDir.resolve(folder.getKey());
      List<String> names = folder.getValue();
      names.sort(PythonStringOrder.COMPARATOR);
      for (String name : names) {
        if (ImageExtensions.isImage(name)) {
          out.add(dir.resolve(name));
        }
      }
    }
    return out;
  }

  private static void collect(
      Path dir, String rel, Map<String, List<String>> filesByFolder, Set<Path> seen) {
    if (!seen.add(realPath(dir))) {
      return; // a symbolic link loop: os.walk would fail on it; visiting each folder once is safer
    }
    List<String> files = new ArrayList<>();
    filesByFolder.put(rel, files);
    for (Path entry : list(dir)) {
      String name = entry.getFileName().toString();
      if (Files.isDirectory(entry)) {
        collect(entry, rel.isEmpty() ? name : rel + "/" + name, filesByFolder, seen);
      } else {
        files.add(name); // as os.walk: everything that is not a directory is a file
      }
    }
  }

  private static Path realPath(Path dir) {
    try {
      return dir.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot resolve " + dir, e);
    }
  }

  static List<Path> list(Path dir) {
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      stream.forEach(entries::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
    return entries;
  }

  static void requireDirectory(Path dir, String what) {
    if (!Files.exists(dir)) {
      throw new DatasetException(what + " " + dir + " does not exist");
    }
    if (!Files.isDirectory(dir)) {
      throw new DatasetException(what + " " + dir + " is not a folder");
    }
  }
}
