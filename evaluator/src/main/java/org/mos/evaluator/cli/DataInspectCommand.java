package org.mos.evaluator.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.mos.common.data.DatasetException;
import org.mos.common.data.Idx;
import org.mos.common.data.IdxArray;
import org.mos.common.data.ImageFiles;
import org.mos.common.data.ImageFolder;
import org.mos.common.data.ListFile;
import org.mos.common.data.Sample;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mos data inspect}: reads a dataset as the suite would and prints what it found. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Read a dataset as the suite reads it and print what was found: an ImageFolder tree"
          + " (classes in label order with counts), a plain folder of images (count), a list file"
          + " (format, entries, labels) or an IDX file (type, shape)."
    })
public class DataInspectCommand implements Callable<Integer> {

  /** What to read PATH as. */
  enum Kind {
    AUTO,
    IMAGE_FOLDER,
    IMAGES,
    LIST,
    IDX
  }

  private static final int MAX_CLASS_LINES = 30;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "PATH", description = "A folder, list file or IDX file.")
  Path path;

  @Option(
      names = "--as",
      paramLabel = "KIND",
      defaultValue = "auto",
      converter = KindConverter.class,
      description =
          "auto, image-folder, images, list or idx (default: ${DEFAULT-VALUE}; auto: a folder with"
              + " class folders and no images at its top is an ImageFolder tree, another folder"
              + " plain images; a file starting with IDX or gzip magic bytes IDX, else a list).")
  Kind kind;

  @Option(
      names = "--root",
      paramLabel = "DIR",
      description = "Folder the paths of a list file are relative to (default: the list's folder).")
  Path root;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      defaultValue = "auto",
      description = "List format: auto, flat or group (default: ${DEFAULT-VALUE}).")
  String format;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try {
      switch (kind == Kind.AUTO ? detect(path) : kind) {
        case IMAGE_FOLDER -> printImageFolder(out, ImageFolder.read(path));
        case IMAGES ->
            out.printf("plain image folder %s: %d images%n", path, ImageFiles.list(path).size());
        case LIST -> printList(out);
        case IDX -> {
          IdxArray a = Idx.read(path);
          out.printf("IDX file %s: %s, shape %s%n", path, a.type(), Arrays.toString(a.shape()));
        }
        default -> throw new IllegalStateException("unreachable");
      }
      out.flush();
      return 0;
    } catch (DatasetException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("mos data inspect: " + e.getMessage());
      spec.commandLine().getErr().flush();
      return 1;
    }
  }

  private static Kind detect(Path path) {
    if (Files.isDirectory(path)) {
      boolean hasDirs = false;
      boolean hasImagesAtTop = false;
      try (var entries = Files.list(path)) {
        for (Path p : entries.toList()) {
          hasDirs |= Files.isDirectory(p);
          hasImagesAtTop |= !Files.isDirectory(p) && org.mos.common.data.ImageExtensions.isImage(p);
        }
      } catch (IOException e) {
        throw new DatasetException("cannot list " + path + ": " + e.getMessage(), e);
      }
      return hasDirs && !hasImagesAtTop ? Kind.IMAGE_FOLDER : Kind.IMAGES;
    }
    if (!Files.isRegularFile(path)) {
      throw new DatasetException(path + " does not exist");
    }
    try (InputStream in = Files.newInputStream(path)) {
      byte[] head = in.readNBytes(2);
      boolean gzip = head.length == 2 && (head[0] & 0xFF) == 0x1f && (head[1] & 0xFF) == 0x8b;
      boolean idx = head.length == 2 && head[0] == 0 && head[1] == 0;
      return gzip || idx ? Kind.IDX : Kind.LIST;
    } catch (IOException e) {
      throw new DatasetException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  private static void printImageFolder(PrintWriter out, ImageFolder folder) {
    out.printf(
        "ImageFolder %s: %d images in %d classes (label: class, images)%n",
        folder.root(), folder.size(), folder.classNames().size());
    int[] counts = folder.countsPerClass();
    List<String> names = folder.classNames();
    for (int c = 0; c < names.size(); c++) {
      if (c == MAX_CLASS_LINES && names.size() > MAX_CLASS_LINES + 1) {
        out.printf("  ... %d more classes%n", names.size() - MAX_CLASS_LINES);
        break;
      }
      out.printf("  %4d: %s, %d%n", c, names.get(c), counts[c]);
    }
  }

  private void printList(PrintWriter out) {
    ListFile.Format f;
    try {
      f = ListFile.Format.valueOf(format.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--format must be auto, flat or group, got '" + format + "'");
    }
    Path base = root != null ? root : path.toAbsolutePath().getParent();
    ListFile list = ListFile.read(path, base, f);
    TreeMap<String, Integer> labels = new TreeMap<>();
    int missing = 0;
    for (Sample s : list.samples()) {
      String key = s.hasGroup() ? s.group() + " " + s.indexInGroup() : String.valueOf(s.label());
      labels.merge(key, 1, Integer::sum);
      missing += Files.exists(s.path()) ? 0 : 1;
    }
    out.printf(
        "%s list %s: %d entries, %d distinct labels, paths relative to %s, %d files missing%n",
        list.format().name().toLowerCase(Locale.ROOT),
        path,
        list.samples().size(),
        labels.size(),
        base,
        missing);
  }

  /** Accepts the kinds in lower case with dashes, as the help text names them. */
  static final class KindConverter implements picocli.CommandLine.ITypeConverter<Kind> {
    @Override
    public Kind convert(String value) {
      try {
        return Kind.valueOf(value.toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(
            "'" + value + "' is not one of auto, image-folder, images, list, idx");
      }
    }
  }
}
