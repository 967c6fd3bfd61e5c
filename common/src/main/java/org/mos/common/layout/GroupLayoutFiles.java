package org.mos.common.layout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;

/** Reads group layouts from files: sizes (.npy, .json, .txt) or a class table (.tsv). */
final class GroupLayoutFiles {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> TABLE_COLUMNS =
      List.of("wnid", "flat_index", "group", "index_in_group");

  private GroupLayoutFiles() {}

  static GroupLayout read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + ": no such file");
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    try {
      if (name.endsWith(".npy")) {
        return fromNpy(Npy.read(file));
      } else if (name.endsWith(".json")) {
        return fromJson(Files.readString(file, StandardCharsets.UTF_8));
      } else if (name.endsWith(".tsv")) {
        return fromClassTable(Files.readAllLines(file, StandardCharsets.UTF_8));
      } else if (name.endsWith(".txt") || name.endsWith(".csv")) {
        return GroupLayout.ofSizes(parseSizes(Files.readString(file, StandardCharsets.UTF_8)));
      }
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
    throw new IOException(
        file + ": unknown layout file type (expected .npy, .json, .txt with group sizes or .tsv)");
  }

  static GroupLayout fromNpy(NpyArray array) {
    if (array.rank() != 1 || !array.isInteger()) {
      throw new IllegalArgumentException(
          "expected a 1-D integer array of group sizes but got dtype "
              + array.dtype()
              + " with shape "
              + Arrays.toString(array.shape()));
    }
    return GroupLayout.ofSizes(array.toInts());
  }

  static GroupLayout fromJson(String text) throws IOException {
    JsonNode node = JSON.readTree(text);
    if (node != null && node.isArray()) {
      int[] sizes = new int[node.size()];
      for (int i = 0; i < sizes.length; i++) {
        JsonNode v = node.get(i);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
          throw new IllegalArgumentException("group size " + i + " is " + v + ", not an integer");
        }
        sizes[i] = v.intValue();
      }
      return GroupLayout.ofSizes(sizes);
    }
    if (node != null && node.isObject()) {
      return JSON.treeToValue(node, GroupLayout.class);
    }
    throw new IllegalArgumentException(
        "expected a JSON list of group sizes or a layout object but got " + text.strip());
  }

  /** Group sizes separated by commas or white space, e.g. {@code 398,521,9}. */
  static int[] parseSizes(String text) {
    String[] parts = text.strip().split("[,\\s]+");
    if (parts.length == 1 && parts[0].isEmpty()) {
      throw new IllegalArgumentException("no group sizes given");
    }
    int[] sizes = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        sizes[i] = Integer.parseInt(parts[i]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "group size " + i + " is '" + parts[i] + "', not an integer");
      }
    }
    return sizes;
  }

  static GroupLayout fromClassTable(List<String> lines) {
    int[] columns = null;
    List<String> names = new ArrayList<>();
    List<int[]> rows = new ArrayList<>();
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] fields = line.split("\\s+");
      if (columns == null) {
        columns = headerColumns(fields, n + 1);
        continue;
      }
      if (fields.length != columns.length) {
        throw new IllegalArgumentException(
            "line " + (n + 1) + " has " + fields.length + " fields, expected " + columns.length);
      }
      int[] values = new int[3];
      for (int k = 1; k < 4; k++) {
        String f = fields[columns[k]];
        try {
          values[k - 1] = Integer.parseInt(f);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "line " + (n + 1) + ": " + TABLE_COLUMNS.get(k) + " is '" + f + "', not an integer");
        }
      }
      names.add(fields[columns[0]]);
      rows.add(values);
    }
    if (columns == null || rows.isEmpty()) {
      throw new IllegalArgumentException(
          "the class table has no rows (expected a header "
              + String.join(" ", TABLE_COLUMNS)
              + ")");
    }
    return fromTableRows(names, rows);
  }

  private static GroupLayout fromTableRows(List<String> names, List<int[]> rows) {
    int c = rows.size();
    int[] group = new int[c];
    int[] index = new int[c];
    String[] byFlat = new String[c];
    for (int r = 0; r < c; r++) {
      int flat = rows.get(r)[0];
      if (flat < 0 || flat >= c) {
        throw new IllegalArgumentException(
            "class '"
                + names.get(r)
                + "' has flat_index "
                + flat
                + " but the table has "
                + c
                + " classes: expected 0.."
                + (c - 1));
      }
      if (byFlat[flat] != null) {
        throw new IllegalArgumentException(
            "classes '"
                + byFlat[flat]
                + "' and '"
                + names.get(r)
                + "' both have flat_index "
                + flat);
      }
      byFlat[flat] = names.get(r);
      group[flat] = rows.get(r)[1];
      index[flat] = rows.get(r)[2];
    }
    return GroupLayout.ofClassMapping(group, index, Arrays.asList(byFlat));
  }

  private static int[] headerColumns(String[] header, int lineNumber) {
    int[] columns = new int[TABLE_COLUMNS.size()];
    List<String> given = Arrays.asList(header);
    for (int k = 0; k < columns.length; k++) {
      columns[k] = given.indexOf(TABLE_COLUMNS.get(k));
      if (columns[k] < 0) {
        throw new IllegalArgumentException(
            "line "
                + lineNumber
                + ": header "
                + given
                + " lacks column '"
                + TABLE_COLUMNS.get(k)
                + "' (expected "
                + String.join(" ", TABLE_COLUMNS)
                + ")");
      }
    }
    return columns;
  }
}
