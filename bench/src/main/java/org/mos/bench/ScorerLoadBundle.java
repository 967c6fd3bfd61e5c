package org.mos.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mos.common.inference.synthetic.SyntheticBundle;

/**
 * Writes the synthetic bundle the scorer load test serves: a linear model (global average pool,
 * then a Gemm) over 224 x 224 inputs with 8 groups of 10 classes (88 logits) and calibration scores
 * for mos. Usage: {@code ScorerLoadBundle MODELS_DIR [SIZE]}.
 */
public final class ScorerLoadBundle {

  private ScorerLoadBundle() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int size = args.length > 1 ? Integer.parseInt(args[1]) : 224;
    int groups = 8;
    int perGroup = 10;
    Random random = new Random(7);
    List<String> names = new ArrayList<>();
    for (int c = 0; c < groups * perGroup; c++) {
      names.add("class" + c);
    }
    int logits = groups * (perGroup + 1);
    float[][] w = new float[logits][3];
    float[] b = new float[logits];
    for (int i = 0; i < logits; i++) {
      for (int j = 0; j < 3; j++) {
        w[i][j] = (float) random.nextGaussian();
      }
    }
    double[] calibration = new double[1000];
    for (int i = 0; i < calibration.length; i++) {
      calibration[i] = -random.nextDouble();
    }
    new SyntheticBundle(
            size,
            names,
            java.util.Collections.nCopies(groups, perGroup),
            w,
            b,
            Map.of("mos", calibration))
        .writeTo(dir.resolve("synthetic"));
    System.out.println("wrote " + dir.resolve("synthetic"));
  }
}
