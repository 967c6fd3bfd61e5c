package org.mos.evaluator.fit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.data.DatasetException;
import org.mos.common.data.ImageFiles;
import org.mos.common.data.ImageFolder;
import org.mos.common.data.ListFile;
import org.mos.common.data.Sample;
import org.mos.common.layout.GroupLayout;

/**
 * The images of one option ({@code --kl-fit DIR|LIST} and the like), in the order they are read,
 * with the bundle's class of every image when the use needs labels.
 *
 * <p>Labelled sources: an ImageFolder tree (class folders; when every folder name is one of the
 * bundle's class names the bundle's index is used, otherwise the sorted folder order), a flat list
 * file ({@code path label}, labels as given) or a group list file ({@code path group
 * index_in_group}, mapped through the bundle's group layout). Unlabelled sources: any folder of
 * images (all depths, sorted by path) or a list file (the labels, if any, are ignored; a line
 * without labels is one path).
 *
 * @param option the command-line option it came from, for messages
 * @param source the folder or list file
 * @param samples the images, in reading order
 * @param labels the bundle class of every sample, or null for an unlabelled set
 * @param labelMapping how labels were obtained (recorded in the manifest), or null
 * @param listed how many images the source lists (more than {@code samples} after {@link #first})
 */
record ImageSet(
    String option,
    Path source,
    List<Sample> samples,
    int[] labels,
    String labelMapping,
    int listed) {

  ImageSet {
    samples = List.copyOf(samples);
  }

  ImageSet(String option, Path source, List<Sample> samples, int[] labels, String labelMapping) {
    this(option, source, samples, labels, labelMapping, samples.size());
  }

  int size() {
    return samples.size();
  }

  /** The first {@code n} images (all when there are fewer). */
  ImageSet first(int n) {
    if (n >= samples.size()) {
      return this;
    }
    int[] l = labels == null ? null : java.util.Arrays.copyOf(labels, n);
    return new ImageSet(option, source, samples.subList(0, n), l, labelMapping, listed);
  }

  /** A description for the manifest: the source and how many images were listed. */
  Map<String, Object> describe() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("path", source.toAbsolutePath().normalize().toString());
    out.put("images_listed", listed);
    if (samples.size() < listed) {
      out.put("taken", "the first " + samples.size() + " in reading order");
    }
    if (labelMapping != null) {
      out.put("labels", labelMapping);
    }
    return out;
  }

  /**
   * Reads a labelled set whose labels become the bundle's classes.
   *
   * @throws FitException (usage) when the source has no labels or they do not fit the bundle
   */
  static ImageSet labelled(String option, Path source, Path root, BundleManifest manifest) {
    requireExists(option, source);
    int classes = manifest.classNames().size();
    if (Files.isDirectory(source)) {
      ImageFolder folder = readFolder(option, source);
      List<String> names = manifest.classNames();
      boolean byName = names.containsAll(folder.classNames());
      if (!byName && folder.classNames().size() > classes) {
        throw FitException.usage(
            option
                + " "
                + source
                + " has "
                + folder.classNames().size()
                + " class folders but the bundle has "
                + classes
                + " classes, and the folder names are not the bundle's class names");
      }
      int[] labels = new int[folder.size()];
      for (int i = 0; i < labels.length; i++) {
        Sample s = folder.samples().get(i);
        labels[i] = byName ? names.indexOf(folder.classNames().get(s.label())) : s.label();
      }
      String mapping =
          byName
              ? "class folder names matched to the bundle's class names"
              : "sorted class folder order (torchvision ImageFolder); the folder names are not"
                  + " the bundle's class names";
      return new ImageSet(option, source, folder.samples(), labels, mapping);
    }
    ListFile list = readList(option, source, root);
    int[] labels = new int[list.samples().size()];
    GroupLayout layout = layoutOf(manifest);
    for (int i = 0; i < labels.length; i++) {
      Sample s = list.samples().get(i);
      labels[i] = listLabel(option, list, s, i, layout, classes);
    }
    String mapping =
        list.format() == ListFile.Format.GROUP
            ? "group list (group, index in group) mapped by the bundle's group layout"
            : "flat list labels as given";
    return new ImageSet(option, source, list.samples(), labels, mapping);
  }

  private static int listLabel(
      String option, ListFile list, Sample s, int i, GroupLayout layout, int classes) {
    if (list.format() == ListFile.Format.GROUP) {
      if (layout.isFlat()) {
        throw FitException.usage(
            option
                + " "
                + list.file()
                + " is a group list (path group index_in_group) but the bundle has a flat head;"
                + " give a flat list (path label) or an ImageFolder tree");
      }
      try {
        return layout.classOf(s.group(), s.indexInGroup());
      } catch (IllegalArgumentException e) {
        throw FitException.usage(
            option + " " + list.file() + " entry " + (i + 1) + ": " + e.getMessage());
      }
    }
    if (s.label() >= classes) {
      throw FitException.usage(
          option
              + " "
              + list.file()
              + " entry "
              + (i + 1)
              + " has label "
              + s.label()
              + " but the bundle has "
              + classes
              + " classes (labels 0.."
              + (classes - 1)
              + ")");
    }
    return s.label();
  }

  /** Reads a set whose labels are not needed: ID validation, OOD negatives, calibration. */
  static ImageSet unlabelled(String option, Path source, Path root) {
    requireExists(option, source);
    if (Files.isDirectory(source)) {
      try {
        return new ImageSet(option, source, ImageFiles.list(source), null, null);
      } catch (DatasetException e) {
        throw FitException.usage(option + ": " + e.getMessage());
      }
    }
    Path base = root != null ? root : source.toAbsolutePath().getParent();
    try {
      return new ImageSet(
          option, source, ListFile.read(source, base, ListFile.Format.AUTO).samples(), null, null);
    } catch (DatasetException e) {
      // not a labelled list: one image path per line
      return new ImageSet(option, source, plainList(option, source, base), null, null);
    }
  }

  private static List<Sample> plainList(String option, Path file, Path base) {
    List<Sample> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String path = line.strip();
        if (!path.isEmpty() && !path.startsWith("#")) {
          out.add(Sample.unlabelled(base.resolve(path)));
        }
      }
    } catch (IOException e) {
      throw FitException.usage(option + ": cannot read " + file + " (" + e.getMessage() + ")");
    }
    if (out.isEmpty()) {
      throw FitException.usage(option + ": " + file + " lists no images");
    }
    return out;
  }

  private static ImageFolder readFolder(String option, Path source) {
    try {
      return ImageFolder.read(source);
    } catch (DatasetException e) {
      throw FitException.usage(
          option
              + " needs labelled images (an ImageFolder tree root/CLASS/*.png or a list file"
              + " 'path label'), but: "
              + e.getMessage());
    }
  }

  private static ListFile readList(String option, Path source, Path root) {
    Path base = root != null ? root : source.toAbsolutePath().getParent();
    try {
      return ListFile.read(source, base, ListFile.Format.AUTO);
    } catch (DatasetException e) {
      throw FitException.usage(
          option
              + " needs labelled images (an ImageFolder tree or a list file 'path label' or"
              + " 'path group index_in_group'), but: "
              + e.getMessage());
    }
  }

  private static void requireExists(String option, Path source) {
    if (!Files.exists(source)) {
      throw FitException.usage(option + " " + source + " does not exist");
    }
  }

  static GroupLayout layoutOf(BundleManifest m) {
    return m.isGrouped()
        ? GroupLayout.ofSizes(m.groupSizes().stream().mapToInt(Integer::intValue).toArray())
        : GroupLayout.flat(m.classNames().size());
  }
}
