package org.mos.evaluator.evaluate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mos.common.data.DatasetException;
import org.mos.common.data.ImageFiles;
import org.mos.common.data.ImageFolder;
import org.mos.common.data.ListFile;
import org.mos.common.data.Sample;

/** Reads the ID test set and the OOD sets of {@code mos evaluate}. */
public final class Datasets {

  private Datasets() {}

  /**
   * Reads an option value {@code [NAME=]PATH} into its name and path; the name defaults to the file
   * or folder name (without a list file's extension).
   */
  public static NamedPath named(String value, String option) {
    int eq = value.indexOf('=');
    String name = eq > 0 ? value.substring(0, eq).strip() : null;
    String path = eq > 0 ? value.substring(eq + 1) : value;
    if (path.isBlank()) {
      throw new IllegalArgumentException(option + " '" + value + "' names no path");
    }
    Path p = Path.of(path);
    if (name == null || name.isEmpty()) {
      Path file = p.toAbsolutePath().normalize().getFileName();
      name = file == null ? p.toString() : file.toString();
      if (Files.isRegularFile(p) && name.contains(".")) {
        name = name.substring(0, name.lastIndexOf('.'));
      }
    }
    return new NamedPath(name, p);
  }

  /** A name and a path from an option. */
  public record NamedPath(String name, Path path) {}

  /**
   * The ID test set: an ImageFolder tree (flat labels = the sorted class folders) or a list file of
   * the paper's format ({@code path label} or {@code path group index_in_group}, paths relative to
   * the list's folder).
   */
  public static Dataset readId(NamedPath spec) {
    Path p = spec.path();
    if (Files.isDirectory(p)) {
      ImageFolder folder = ImageFolder.read(p);
      return new Dataset(spec.name(), p, p, folder.samples(), folder.classNames());
    }
    if (!Files.isRegularFile(p)) {
      throw new DatasetException(
          "ID set " + p + " does not exist: expected an ImageFolder tree or a list file");
    }
    Path root = p.toAbsolutePath().getParent();
    ListFile list = ListFile.read(p, root, ListFile.Format.AUTO);
    return new Dataset(spec.name(), p, root, list.samples(), null);
  }

  /**
   * An OOD set: a folder of images at any depth (sorted by relative path), or a list file with one
   * image path per line (relative to the list's folder; a trailing label is ignored), in file
   * order.
   */
  public static Dataset readOod(NamedPath spec) throws IOException {
    Path p = spec.path();
    if (Files.isDirectory(p)) {
      return new Dataset(spec.name(), p, p, ImageFiles.list(p), null);
    }
    if (!Files.isRegularFile(p)) {
      throw new DatasetException(
          "OOD set "
              + spec.name()
              + ": "
              + p
              + " does not exist: expected a folder or a list file");
    }
    Path root = p.toAbsolutePath().getParent();
    List<Sample> samples = new ArrayList<>();
    List<Sample> labelled = null;
    try {
      labelled = ListFile.read(p, root, ListFile.Format.AUTO).samples();
    } catch (DatasetException e) {
      // not in the labelled format: every non-blank line is a path
    }
    if (labelled != null) {
      labelled.forEach(s -> samples.add(Sample.unlabelled(s.path())));
    } else {
      for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          samples.add(Sample.unlabelled(root.resolve(line.strip())));
        }
      }
    }
    if (samples.isEmpty()) {
      throw new DatasetException("OOD list " + p + " lists no images");
    }
    return new Dataset(spec.name(), p, root, samples, null);
  }
}
