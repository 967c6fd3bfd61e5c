package org.mos.trainer.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mos.common.data.ImageFolder;
import org.mos.common.data.ListFile;
import org.mos.common.data.Sample;
import org.mos.trainer.train.TrainSpec;

/**
 * Confines the paths of a job to the job roots ({@code trainer.job-roots} and the work folder): the
 * spec's files and folders, and every image a training or validation set names. A path is inside
 * when its real path (every symbolic link resolved; for a path that does not exist yet, the real
 * path of its deepest existing ancestor plus the rest) lies under a root's real path. Paths with a
 * {@code ..} segment are refused outright: whether {@code link/..} leaves a root depends on where
 * the link points, so no lexical rule is safe.
 */
public final class JobPaths {

  private final List<Path> roots;

  /** The roots as given (relative ones against the working folder); they need not exist. */
  public JobPaths(List<Path> roots) {
    List<Path> real = new ArrayList<>();
    for (Path root : roots) {
      Path r = realOrAbsolute(root.toAbsolutePath().normalize());
      if (!real.contains(r)) {
        real.add(r);
      }
    }
    this.roots = List.copyOf(real);
  }

  /** The roots, as real paths. */
  public List<Path> roots() {
    return roots;
  }

  /**
   * Checks every path of {@code spec}: train, train root, val, val root, weights, a groups file,
   * out, and the images of the training and validation sets (list files and folders).
   *
   * @throws PathOutsideRootsException naming the field, the path and the roots
   */
  public void confine(TrainSpec spec) {
    confine("train", spec.train);
    confine("trainRoot", spec.trainRoot);
    confine("val", spec.val);
    confine("valRoot", spec.valRoot);
    confine("weights", spec.weights);
    if (spec.groups != null && !spec.groups.matches("[0-9,\\s]+")) {
      confine("groups", spec.groups);
    }
    confine("out", spec.out);
    confineImages("train", spec.train, spec.trainRoot);
    if (spec.val != null) {
      confineImages("val", spec.val, spec.valRoot);
    }
  }

  /**
   * Checks one path (null passes: the field is not set).
   *
   * @throws PathOutsideRootsException when it has a {@code ..} segment or resolves outside
   */
  public void confine(String field, String path) {
    if (path == null) {
      return;
    }
    Path p = Path.of(path);
    for (Path name : p) {
      if (name.toString().equals("..")) {
        throw outside(field, path, "has a '..' segment, which is never allowed");
      }
    }
    Path real = resolve(field, path, p.toAbsolutePath().normalize());
    if (roots.stream().noneMatch(real::startsWith)) {
      boolean linked = !real.equals(p.toAbsolutePath().normalize());
      throw outside(
          field,
          path,
          (linked ? "resolves to " + real + " (symbolic links followed)," : "is")
              + " outside the job roots");
    }
  }

  /** Every image of a list file or image folder, which may name files anywhere. */
  private void confineImages(String field, String source, String listRoot) {
    Path s = Path.of(source);
    List<Sample> samples;
    if (Files.isRegularFile(s)) {
      Path root = listRoot != null ? Path.of(listRoot) : s.toAbsolutePath().getParent();
      samples = ListFile.read(s, root, ListFile.Format.AUTO).samples();
    } else if (Files.isDirectory(s)) {
      samples = ImageFolder.read(s).samples();
    } else {
      return; // the service reports the missing set itself
    }
    for (Sample sample : samples) {
      String image = sample.path().toString();
      try {
        confine(field + " image", image);
      } catch (PathOutsideRootsException e) {
        throw new PathOutsideRootsException(
            e.getMessage() + " (named by " + field + " " + source + ")");
      }
    }
  }

  /** The real path of {@code abs}, or of its deepest existing ancestor with the rest appended. */
  private Path resolve(String field, String given, Path abs) {
    Path existing = abs;
    while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return abs;
    }
    try {
      return existing.toRealPath().resolve(existing.relativize(abs));
    } catch (IOException e) {
      // a dangling symbolic link: where a write would go cannot be checked
      throw outside(field, given, "is a symbolic link whose target does not exist (" + e + ")");
    }
  }

  private PathOutsideRootsException outside(String field, String path, String why) {
    return new PathOutsideRootsException(
        field
            + " "
            + path
            + " "
            + why
            + "; a job may only read and write inside the job roots "
            + roots
            + " (trainer.job-roots, env TRAINER_JOB_ROOTS)");
  }

  private static Path realOrAbsolute(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      return p;
    }
  }
}
