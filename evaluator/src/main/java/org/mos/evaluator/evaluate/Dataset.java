package org.mos.evaluator.evaluate;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.mos.common.data.Sample;

/**
 * One dataset of an evaluation run, read from a folder or a list file.
 *
 * @param name the name in reports ({@code NAME=} of the option, else the folder or file name)
 * @param source the folder or list file it was read from
 * @param root the folder image ids are relative to
 * @param samples the images in dataset order (ID: with flat or group labels; OOD: unlabelled)
 * @param classNames the class folder names of an ImageFolder tree (label = index), or null when the
 *     labels come from a list file or the set is OOD
 */
public record Dataset(
    String name, Path source, Path root, List<Sample> samples, List<String> classNames) {

  public Dataset {
    Objects.requireNonNull(name, "name");
    samples = List.copyOf(samples);
    classNames = classNames == null ? null : List.copyOf(classNames);
  }

  /** The stable id of a sample: its path relative to the root, with {@code /} separators. */
  public String imageId(Sample s) {
    Path abs = s.path().toAbsolutePath().normalize();
    Path base = root.toAbsolutePath().normalize();
    Path rel = abs.startsWith(base) ? base.relativize(abs) : abs;
    return rel.toString().replace(File.separatorChar, '/');
  }

  /** The number of images. */
  public int size() {
    return samples.size();
  }
}
