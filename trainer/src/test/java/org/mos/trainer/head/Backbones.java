package org.mos.trainer.head;

import java.nio.file.Path;
import java.util.Map;
import org.mos.common.data.demo.DemoBenchmark;
import org.mos.common.layout.GroupLayout;
import org.mos.trainer.export.BundleExport;
import org.mos.trainer.export.ResNetV2Spec;
import org.mos.trainer.export.WeightMap;
import org.mos.trainer.weights.FormulaWeights;

/** Small BiT backbones (formula weights, no libtorch) and demo data for the head tests. */
final class Backbones {

  /** The demo images' side, and the bundles' input size. */
  static final int SIZE = 32;

  private Backbones() {}

  /**
   * A BiT ResNetV2 (one unit per block, stem 32) with a flat head of {@code classes}, exported to
   * {@code out}; {@code gradients} adds the BiT gradient graphs.
   */
  static Path bundle(Path out, int classes, boolean gradients) throws Exception {
    return bundle(out, new int[] {1, 1, 1, 1}, classes, gradients);
  }

  /** As {@link #bundle(Path, int, boolean)} with other units per block. */
  static Path bundle(Path out, int[] units, int classes, boolean gradients) throws Exception {
    ResNetV2Spec spec = new ResNetV2Spec(units, 32, classes);
    WeightMap weights = FormulaWeights.weightMap(spec);
    new BundleExport(
            "tiny-bit", spec, weights, GroupLayout.flat(classes), SIZE, Map.of("source", "formula"))
        .write(out, false, true, gradients);
    return out;
  }

  /** The generated demo benchmark at a tenth of its size (20 train, 5 val images per class). */
  static Path demoData(Path out) {
    DemoBenchmark.builder().setOut(out).optScale(0.1).optSeed(3).build().write();
    return out;
  }
}
