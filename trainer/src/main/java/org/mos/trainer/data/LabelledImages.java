package org.mos.trainer.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mos.common.data.DatasetException;
import org.mos.common.data.ImageFolder;
import org.mos.common.data.ListFile;
import org.mos.common.data.Sample;
import org.mos.common.layout.GroupLayout;

/**
 * The image files of a training or validation set and their labels in the form the loss needs: one
 * flat class index per image (flat softmax) or one entry per group (group softmax: class index + 1
 * in the true group, 0 "others" elsewhere, DESIGN §3). Only paths and labels are held; the images
 * are read when a step needs them.
 *
 * @param source the folder or list file the set was read from
 * @param paths the image files
 * @param labels {@code paths.size() * labelWidth} ints, row by row
 * @param labelWidth 1 (flat) or the number of groups
 */
public record LabelledImages(Path source, List<Path> paths, int[] labels, int labelWidth) {

  public LabelledImages {
    paths = List.copyOf(paths);
  }

  /** Number of images. */
  public int size() {
    return paths.size();
  }

  /** The label of image {@code i} (a copy). */
  public int[] label(int i) {
    int[] label = new int[labelWidth];
    System.arraycopy(labels, i * labelWidth, label, 0, labelWidth);
    return label;
  }

  /**
   * Reads an ImageFolder tree ({@code root/CLASS/*.jpg}) or a list file of the paper's formats
   * (flat {@code path label}, group {@code path group index_in_group}).
   *
   * @param listRoot the folder list paths are relative to; null = the list file's folder
   * @param layout the classes and their groups; with class names (a taxonomy table) the class
   *     folders of an ImageFolder tree are matched by name, otherwise by sorted order
   * @param grouped whether labels are wanted in group form
   * @throws DatasetException naming the source and what was expected when the folder or file is
   *     missing, or a label does not fit the layout
   */
  public static LabelledImages read(
      Path source, Path listRoot, GroupLayout layout, boolean grouped) {
    if (Files.isDirectory(source)) {
      return fromFolder(source, layout, grouped);
    }
    if (Files.isRegularFile(source)) {
      Path root = listRoot != null ? listRoot : source.toAbsolutePath().getParent();
      return fromList(ListFile.read(source, root, ListFile.Format.AUTO), layout, grouped);
    }
    throw new DatasetException(
        source + " does not exist: expected an ImageFolder directory or a list file");
  }

  private static LabelledImages fromFolder(Path dir, GroupLayout layout, boolean grouped) {
    ImageFolder folder = ImageFolder.read(dir);
    List<String> names = folder.classNames();
    int[] classOfFolder = new int[names.size()];
    List<String> known = layout.classNames();
    if (!known.isEmpty()) {
      Map<String, Integer> byName = new HashMap<>();
      for (int c = 0; c < known.size(); c++) {
        byName.put(known.get(c), c);
      }
      for (int f = 0; f < names.size(); f++) {
        Integer c = byName.get(names.get(f));
        if (c == null) {
          throw new DatasetException(
              "class folder '" + names.get(f) + "' in " + dir + " is not in the class table");
        }
        classOfFolder[f] = c;
      }
    } else {
      if (names.size() != layout.numClasses()) {
        throw new DatasetException(
            dir
                + " has "
                + names.size()
                + " class folders but the layout has "
                + layout.numClasses()
                + " classes ("
                + describe(layout)
                + ")");
      }
      for (int f = 0; f < names.size(); f++) {
        classOfFolder[f] = f;
      }
    }
    int width = grouped ? layout.numGroups() : 1;
    List<Path> paths = new ArrayList<>(folder.size());
    int[] labels = new int[folder.size() * width];
    int i = 0;
    for (Sample s : folder.samples()) {
      paths.add(s.path());
      put(labels, i++, width, classOfFolder[s.label()], layout, grouped);
    }
    return new LabelledImages(dir, paths, labels, width);
  }

  private static LabelledImages fromList(ListFile list, GroupLayout layout, boolean grouped) {
    int width = grouped ? layout.numGroups() : 1;
    List<Sample> samples = list.samples();
    List<Path> paths = new ArrayList<>(samples.size());
    int[] labels = new int[samples.size() * width];
    for (int i = 0; i < samples.size(); i++) {
      Sample s = samples.get(i);
      paths.add(s.path());
      int flat;
      if (s.hasGroup()) {
        if (layout.isFlat()) {
          throw new DatasetException(
              list.file() + " is a group list: give the group sizes (--groups) to read it");
        }
        if (s.group() >= layout.numGroups() || s.indexInGroup() >= layout.groupSize(s.group())) {
          throw new DatasetException(
              list.file()
                  + ": line "
                  + (i + 1)
                  + " ("
                  + s.path().getFileName()
                  + ") has group "
                  + s.group()
                  + " index "
                  + s.indexInGroup()
                  + ", outside the layout ("
                  + describe(layout)
                  + ")");
        }
        flat = layout.classOf(s.group(), s.indexInGroup());
      } else {
        if (s.label() >= layout.numClasses()) {
          throw new DatasetException(
              list.file()
                  + ": line "
                  + (i + 1)
                  + " ("
                  + s.path().getFileName()
                  + ") has label "
                  + s.label()
                  + ", expected 0.."
                  + (layout.numClasses() - 1)
                  + " ("
                  + describe(layout)
                  + ")");
        }
        flat = s.label();
      }
      put(labels, i, width, flat, layout, grouped);
    }
    return new LabelledImages(list.file(), paths, labels, width);
  }

  private static void put(
      int[] labels, int row, int width, int flatClass, GroupLayout layout, boolean grouped) {
    if (grouped) {
      System.arraycopy(layout.groupLabels(flatClass), 0, labels, row * width, width);
    } else {
      labels[row] = flatClass;
    }
  }

  private static String describe(GroupLayout layout) {
    return layout.isFlat()
        ? layout.numClasses() + " classes, flat"
        : "group sizes " + java.util.Arrays.toString(layout.groupSizes());
  }
}
