package org.mos.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.train.Finetuner.Settings;
import org.mos.trainer.weights.BitKeys;

class CheckpointTest {

  private static final HyperRule RULE = new HyperRule(new int[] {1, 6}, 0.05, 0.1);

  @TempDir Path dir;

  private static Finetuner finetuner(NDManager manager) {
    return finetuner(manager, List.of(Device.cpu()));
  }

  private static Finetuner finetuner(NDManager manager, List<Device> devices) {
    ResNetV2 model = TinyProblem.model(manager, 2);
    return new Finetuner(
        model,
        SoftmaxLoss.flat(),
        TinyProblem.flatData(8, 2),
        new Settings(4, 2, 2, RULE, 9),
        manager,
        devices);
  }

  /** Other values in every parameter, frozen ones included: each array reversed. */
  private static void scramble(Finetuner f) {
    for (Parameter p : BitKeys.of(f.model()).values()) {
      float[] values = p.getArray().toFloatArray();
      for (int i = 0; i < values.length / 2; i++) {
        float t = values[i];
        values[i] = values[values.length - 1 - i];
        values[values.length - 1 - i] = t;
      }
      p.getArray().set(FloatBuffer.wrap(values));
    }
  }

  private static Map<String, float[]> weights(Finetuner f) {
    Map<String, float[]> values = new LinkedHashMap<>();
    BitKeys.of(f.model()).forEach((k, p) -> values.put(k, p.getArray().toFloatArray()));
    return values;
  }

  /** The weights at the end of a run that nothing interrupts. */
  private static Map<String, float[]> uninterruptedWeights() {
    try (NDManager manager = NDManager.newBaseManager();
        Finetuner f = finetuner(manager)) {
      while (f.step().isPresent()) {}
      return weights(f);
    }
  }

  /** A checkpoint written after three steps by a single-device run. */
  private Path checkpointAtStep3() throws IOException {
    Path file = dir.resolve("ckpt.npz");
    try (NDManager manager = NDManager.newBaseManager();
        Finetuner f = finetuner(manager)) {
      for (int i = 0; i < 3; i++) {
        f.step();
      }
      Checkpoint.save(file, f);
    }
    return file;
  }

  @Test
  void resumingAfterAKillGivesTheWeightsOfAnUninterruptedRun() throws IOException {
    Map<String, float[]> uninterrupted = uninterruptedWeights();
    Path file = checkpointAtStep3();
    // the "killed" run that wrote it: its model and momentum are gone
    Map<String, float[]> resumed;
    try (NDManager manager = NDManager.newBaseManager();
        Finetuner f = finetuner(manager)) {
      Checkpoint.restore(file, f);
      assertThat(f.currentStep()).isEqualTo(3);
      while (f.step().isPresent()) {}
      assertThat(f.currentStep()).isEqualTo(6);
      resumed = weights(f);
    }
    assertThat(resumed.keySet()).isEqualTo(uninterrupted.keySet());
    // isEqualTo compares float arrays element by element (bit-exact), and fast on large arrays
    uninterrupted.forEach((k, v) -> assertThat(resumed.get(k)).as(k).isEqualTo(v));
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(file); // no temporary file left behind
    }
  }

  @Test
  void restoringIntoAFinetunerThatAlreadyStepsUsesTheRestoredFrozenWeights() throws IOException {
    Map<String, float[]> uninterrupted = uninterruptedWeights();
    Path file = checkpointAtStep3();
    try (NDManager manager = NDManager.newBaseManager();
        Finetuner f = finetuner(manager)) {
      // other weights everywhere, frozen ones included, and one step that trains (and caches) on
      // them
      scramble(f);
      f.step();
      Checkpoint.restore(file, f);
      while (f.step().isPresent()) {}
      Map<String, float[]> resumed = weights(f);
      uninterrupted.forEach((k, v) -> assertThat(resumed.get(k)).as(k).isEqualTo(v));
    }
  }

  @Test
  void restoringIntoTwoReplicasThatAlreadyStepGivesEveryReplicaTheRestoredWeights()
      throws IOException {
    Map<String, float[]> uninterrupted = uninterruptedWeights();
    Path file = checkpointAtStep3();
    try (NDManager manager = NDManager.newBaseManager();
        Finetuner f = finetuner(manager, List.of(Device.cpu(), Device.cpu()))) {
      // the second replica mirrored the scrambled weights, and one step ran on both replicas;
      // the restore must reach the mirror too, or its micro-batches keep using the old values
      scramble(f);
      f.step();
      Checkpoint.restore(file, f);
      while (f.step().isPresent()) {}
      Map<String, float[]> resumed = weights(f);
      for (Map.Entry<String, float[]> e : uninterrupted.entrySet()) {
        float[] want = e.getValue();
        float[] got = resumed.get(e.getKey());
        // two gradient sums instead of one: only the order of additions differs
        for (int i = 0; i < want.length; i++) {
          assertThat(got[i]).as(e.getKey() + "[" + i + "]").isCloseTo(want[i], within(1e-4f));
        }
      }
    }
  }
}
