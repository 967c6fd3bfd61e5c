package org.mos.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import org.mos.common.layout.GroupLayout;
import org.mos.common.layout.GroupPredictions;
import org.mos.trainer.model.ResNetV2;

/**
 * Loss and top-1 accuracy of the model on held-out data, in inference mode. In group mode a hit
 * needs the group rule's predicted group and class to both match (DESIGN §3).
 */
public final class Validator {

  /** Batch-mean loss and top-1 accuracy over {@code images} examples. */
  public record Result(double loss, double top1, int images) {}

  private Validator() {}

  /**
   * @param layout the model's layout (group or flat), matching the label form of {@code data}
   */
  public static Result run(
      ResNetV2 model,
      SoftmaxLoss loss,
      GroupLayout layout,
      TrainingData data,
      int batch,
      NDManager manager)
      throws IOException {
    int[] all = new int[data.size()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    int[] shape = data.imageShape();
    int width = data.labelWidth();
    ParameterStore store = new ParameterStore(manager, false);
    double lossSum = 0;
    int hits = 0;
    int seen = 0;
    try (TrainingData.Batches batches = data.open(all, batch, 0)) {
      while (batches.hasNext()) {
        TrainingData.MicroBatch b = batches.next();
        int rows = b.rows();
        if (rows == 0) {
          continue;
        }
        try (NDManager scope = manager.newSubManager()) {
          NDArray x = scope.create(b.images(), new Shape(rows, shape[0], shape[1], shape[2]));
          NDArray logits = model.forward(store, new NDList(x), false).get(ResNetV2.OUTPUT_LOGITS);
          long[] labels = new long[b.labels().length];
          for (int i = 0; i < labels.length; i++) {
            labels[i] = b.labels()[i];
          }
          NDArray y = scope.create(labels, width == 1 ? new Shape(rows) : new Shape(rows, width));
          lossSum += loss.loss(logits, y).getFloat() * rows;
          hits += hits(logits.toFloatArray(), rows, b.labels(), layout);
          seen += rows;
        }
      }
    }
    return new Result(
        seen == 0 ? Double.NaN : lossSum / seen, seen == 0 ? 0 : (double) hits / seen, seen);
  }

  /**
   * Top-1 hits among {@code rows} rows of logits: the flat class, or in group mode the group rule's
   * predicted group and class against the per-group labels.
   */
  public static int hits(float[] logits, int rows, int[] labels, GroupLayout layout) {
    GroupPredictions p = layout.predict(logits, rows);
    int hits = 0;
    for (int r = 0; r < rows; r++) {
      if (layout.isFlat()) {
        hits += p.flatClass(r) == labels[r] ? 1 : 0;
      } else {
        int k = layout.numGroups();
        hits += labels[r * k + p.group(r)] == p.indexInGroup(r) + 1 ? 1 : 0;
      }
    }
    return hits;
  }
}
