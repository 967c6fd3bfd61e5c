package org.mos.evaluator.fit;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.mos.common.bundle.BundleException;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.bundle.BundleWriter;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.Calibration;

/**
 * The next version of a bundle: the input's files and statistics, with some statistics replaced by
 * new ones. Files that only replaced statistics used are left out; everything else is copied.
 */
final class NewBundle {

  private final ModelBundle input;
  private final Map<String, BundleManifest.Statistics> statistics;
  private final Map<String, BundleWriter.Content> newFiles = new LinkedHashMap<>();
  private final Set<String> dropped = new HashSet<>();
  private final Set<String> refitted = new LinkedHashSet<>();

  NewBundle(ModelBundle input) {
    this.input = input;
    this.statistics = new TreeMap<>(input.manifest().statistics());
  }

  /** Replaces (or adds) the statistics of {@code method} and the files they need. */
  void put(
      String method, BundleManifest.Statistics stats, Map<String, BundleWriter.Content> files) {
    BundleManifest.Statistics old = statistics.put(method, stats);
    if (old != null) {
      dropped.addAll(old.files().values());
    }
    newFiles.putAll(files);
    refitted.add(method);
  }

  /** The methods whose statistics were replaced or added, in order. */
  List<String> refitted() {
    return List.copyOf(refitted);
  }

  /**
   * Calibration scores of a method whose statistics were refitted no longer match its scores: drop
   * them (saying so) when no new calibration is computed.
   */
  void dropStaleCalibration(PrintWriter err) {
    BundleManifest.Statistics cal = statistics.get(Calibration.STATISTICS_KEY);
    if (cal == null) {
      return;
    }
    Map<String, String> files = new TreeMap<>(cal.files());
    for (String method : refitted) {
      String file = files.remove(method);
      if (file != null) {
        dropped.add(file);
        err.println(
            "mos fit: dropped the calibration scores of '"
                + method
                + "' (its statistics changed); give --calibrate to compute new ones");
      }
    }
    if (files.isEmpty()) {
      statistics.remove(Calibration.STATISTICS_KEY);
    } else {
      statistics.put(
          Calibration.STATISTICS_KEY, new BundleManifest.Statistics(files, cal.parameters()));
    }
  }

  /** Leaves out the input's calibration scores (a new calibration replaces them as a whole). */
  void dropCalibration() {
    BundleManifest.Statistics cal = statistics.remove(Calibration.STATISTICS_KEY);
    if (cal != null) {
      dropped.addAll(cal.files().values());
    }
  }

  /** The new manifest (checksums are computed on writing) with the given provenance. */
  BundleManifest manifest(Map<String, Object> provenance) {
    BundleManifest m = input.manifest();
    Map<String, BundleManifest.Statistics> stats = new TreeMap<>(statistics);
    return new BundleManifest(
        m.schemaVersion(),
        m.architecture(),
        m.inputSize(),
        m.mean(),
        m.std(),
        m.preprocessing(),
        m.classNames(),
        m.groupSizes(),
        m.outputs(),
        stats,
        provenance,
        null);
  }

  /**
   * Writes the bundle: the input's files that are still used, the new files, {@code extra} files,
   * and {@code manifest}.
   */
  BundleManifest writeTo(
      Path target,
      boolean replace,
      BundleManifest manifest,
      Map<String, BundleWriter.Content> extra)
      throws IOException {
    BundleWriter writer = BundleWriter.to(target).replaceExisting(replace);
    Set<String> skip = new HashSet<>(dropped);
    skip.addAll(newFiles.keySet());
    skip.addAll(extra.keySet());
    for (String name : input.manifest().checksums().keySet()) {
      if (!skip.contains(name)) {
        writer.copyFile(name, input.file(name));
      }
    }
    for (Map.Entry<String, BundleWriter.Content> e : newFiles.entrySet()) {
      writer.write(e.getKey(), e.getValue());
    }
    for (Map.Entry<String, BundleWriter.Content> e : extra.entrySet()) {
      writer.write(e.getKey(), e.getValue());
    }
    try {
      return writer.commit(manifest);
    } catch (BundleException e) {
      throw FitException.failed(e.getMessage(), e);
    }
  }
}
