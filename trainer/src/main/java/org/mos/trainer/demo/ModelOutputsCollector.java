package org.mos.trainer.demo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import org.mos.common.score.Batch;
import org.mos.trainer.model.ResNetV2;

/**
 * Runs a trained model over images (inference mode, no gradients) and keeps what the scores need:
 * the logits and the spatially averaged outputs of the stem, blocks 1-4 and the pre-logits.
 */
final class ModelOutputsCollector {

  /** Everything one model said about one set of images. */
  record Outputs(Batch logits, List<Batch> layers) {
    /** The pooled features before the head (the last layer). */
    Batch features() {
      return layers.get(layers.size() - 1);
    }
  }

  private ModelOutputsCollector() {}

  static Outputs run(ResNetV2 model, NDManager manager, float[][] images, int[] chw, int batch) {
    ParameterStore store = new ParameterStore(manager, false);
    int n = images.length;
    int perImage = chw[0] * chw[1] * chw[2];
    int layers = ResNetV2.NUM_BLOCKS + 2; // stem, block1..4, pre-logits
    float[] logits = null;
    float[][] layerValues = new float[layers][];
    int[] layerWidths = new int[layers];
    int logitWidth = 0;
    for (int start = 0; start < n; start += batch) {
      int b = Math.min(batch, n - start);
      float[] flat = new float[b * perImage];
      for (int i = 0; i < b; i++) {
        System.arraycopy(images[start + i], 0, flat, i * perImage, perImage);
      }
      try (NDManager scope = manager.newSubManager()) {
        NDArray x = scope.create(flat, new Shape(b, chw[0], chw[1], chw[2]));
        NDList out = model.forward(store, new NDList(x), false);
        float[] l = out.get(ResNetV2.OUTPUT_LOGITS).toFloatArray();
        if (logits == null) {
          logitWidth = l.length / b;
          logits = new float[n * logitWidth];
        }
        System.arraycopy(l, 0, logits, start * logitWidth, l.length);
        for (int k = 0; k < layers; k++) {
          int index = k < layers - 1 ? ResNetV2.OUTPUT_STEM + k : ResNetV2.OUTPUT_PRE_LOGITS;
          float[] v = out.get(index).toFloatArray();
          if (layerValues[k] == null) {
            layerWidths[k] = v.length / b;
            layerValues[k] = new float[n * layerWidths[k]];
          }
          System.arraycopy(v, 0, layerValues[k], start * layerWidths[k], v.length);
        }
      }
    }
    List<Batch> layerBatches = new ArrayList<>();
    for (int k = 0; k < layers; k++) {
      layerBatches.add(Batch.wrap(layerValues[k], n, layerWidths[k]));
    }
    return new Outputs(Batch.wrap(logits, n, logitWidth), layerBatches);
  }
}
