package org.mos.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mos.common.layout.GroupLayout;
import org.mos.trainer.model.ResNetV2;
import org.mos.trainer.train.Finetuner.Settings;
import org.mos.trainer.train.Finetuner.StepReport;
import org.mos.trainer.weights.BitKeys;

class FinetunerTest {

  private static Map<String, float[]> snapshot(ResNetV2 model) {
    Map<String, float[]> values = new LinkedHashMap<>();
    BitKeys.of(model).forEach((k, p) -> values.put(k, p.getArray().toFloatArray()));
    return values;
  }

  private static List<StepReport> run(Finetuner finetuner) {
    List<StepReport> reports = new ArrayList<>();
    while (!finetuner.finished()) {
      reports.add(finetuner.step().orElseThrow());
    }
    return reports;
  }

  @Test
  void flatSoftmaxLossFallsWhenAllBlocksTrain() {
    try (NDManager manager = NDManager.newBaseManager()) {
      ResNetV2 model = TinyProblem.model(manager, 2);
      HyperRule rule = new HyperRule(new int[] {2, 12}, 0.05, 0);
      try (Finetuner f =
          new Finetuner(
              model,
              SoftmaxLoss.flat(),
              TinyProblem.flatData(8, 2),
              new Settings(8, 2, -1, rule, 1),
              manager)) {
        List<StepReport> reports = run(f);
        assertThat(reports).hasSize(12);
        // zero head: the first loss is ln 2
        assertThat(reports.get(0).loss()).isCloseTo(Math.log(2), within(1e-5));
        assertThat(reports.get(0).learningRate()).isZero();
        assertThat(reports.get(11).loss()).isLessThan(0.5 * Math.log(2));
      }
    }
  }

  @Test
  void frozenParametersStayBitIdenticalAndRecordNoGradient() {
    try (NDManager manager = NDManager.newBaseManager()) {
      ResNetV2 model = TinyProblem.model(manager, 2);
      Map<String, float[]> before = snapshot(model);
      HyperRule rule = new HyperRule(new int[] {1, 4}, 0.05, 0);
      try (Finetuner f =
          new Finetuner(
              model,
              SoftmaxLoss.flat(),
              TinyProblem.flatData(8, 2),
              new Settings(4, 1, 1, rule, 3),
              manager)) {
        run(f);
      }
      Map<String, float[]> after = snapshot(model);
      for (Map.Entry<String, Parameter> e : BitKeys.of(model).entrySet()) {
        String key = e.getKey();
        boolean open =
            (key.startsWith("resnet/block4/")
                    && !key.startsWith("resnet/block4/unit01/a/group_norm"))
                || key.startsWith("resnet/group_norm/")
                || key.startsWith("resnet/head/");
        assertThat(e.getValue().requiresGradient()).as(key).isEqualTo(open);
        assertThat(e.getValue().getArray().hasGradient()).as(key).isEqualTo(open);
        if (open) {
          assertThat(after.get(key)).as(key).isNotEqualTo(before.get(key));
        } else {
          assertThat(after.get(key)).as(key).isEqualTo(before.get(key));
        }
      }
    }
  }

  @Test
  void headOnlyFinetuningAlsoFreezesTheFinalNorm() {
    try (NDManager manager = NDManager.newBaseManager()) {
      ResNetV2 model = TinyProblem.model(manager, 2);
      OpenBlocks.apply(model, 0);
      BitKeys.of(model)
          .forEach(
              (k, p) ->
                  assertThat(p.requiresGradient()).as(k).isEqualTo(k.startsWith("resnet/head/")));
      OpenBlocks.apply(model, -1);
      BitKeys.of(model).forEach((k, p) -> assertThat(p.requiresGradient()).as(k).isTrue());
    }
  }

  @Test
  void gradientAccumulationOverMicroBatchesMatchesOneFullBatch() {
    Map<String, float[]> whole = trainHead(1);
    Map<String, float[]> split = trainHead(4);
    assertThat(split.get(BitKeys.HEAD_KERNEL))
        .containsExactly(whole.get(BitKeys.HEAD_KERNEL), within(1e-5f));
    assertThat(split.get(BitKeys.HEAD_BIAS))
        .containsExactly(whole.get(BitKeys.HEAD_BIAS), within(1e-5f));
  }

  private static Map<String, float[]> trainHead(int batchSplit) {
    try (NDManager manager = NDManager.newBaseManager()) {
      ResNetV2 model = TinyProblem.model(manager, 2);
      HyperRule rule = new HyperRule(new int[] {1, 3}, 0.1, 0);
      try (Finetuner f =
          new Finetuner(
              model,
              SoftmaxLoss.flat(),
              TinyProblem.flatData(8, 2),
              new Settings(8, batchSplit, 0, rule, 5),
              manager)) {
        run(f);
      }
      return snapshot(model);
    }
  }

  @Test
  void groupSoftmaxWithMixupTrainsAndRepeatsExactlyForTheSameSeed() {
    List<StepReport> first = trainGroups(21);
    List<StepReport> again = trainGroups(21);
    List<StepReport> other = trainGroups(22);
    assertThat(again).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
    // zero head: every group's slice is uniform, loss = ln 3 + ln 3 whatever the mixing
    assertThat(first.get(0).loss()).isCloseTo(2 * Math.log(3), within(1e-5));
    assertThat(first.get(first.size() - 1).loss()).isLessThan(first.get(1).loss());
  }

  private static List<StepReport> trainGroups(long seed) {
    try (NDManager manager = NDManager.newBaseManager()) {
      ResNetV2 model = TinyProblem.model(manager, 6);
      HyperRule rule = new HyperRule(new int[] {2, 10}, 0.05, 0.1);
      try (Finetuner f =
          new Finetuner(
              model,
              SoftmaxLoss.grouped(GroupLayout.ofSizes(2, 2)),
              TinyProblem.groupData(8),
              new Settings(8, 2, 0, rule, seed),
              manager)) {
        return run(f);
      }
    }
  }

  @Test
  void twoMirroredDevicesTrainToTheWeightsOfOneDevice() {
    // two replicas on the one CPU exercise the whole data-parallel path: a mirror of the
    // parameters, micro-batches dealt to the replicas in turn, gradient reduction and broadcast
    List<Device> two = List.of(Device.cpu(), Device.cpu());
    Trained single = trainGroupsOn(List.of(Device.cpu()));
    Trained parallel = trainGroupsOn(two);
    assertThat(parallel.reports()).hasSameSizeAs(single.reports());
    for (int i = 0; i < single.reports().size(); i++) {
      assertThat(parallel.reports().get(i).loss())
          .isCloseTo(single.reports().get(i).loss(), within(1e-4));
    }
    double worst = 0;
    String worstKey = null;
    for (String key : single.weights().keySet()) {
      float[] a = single.weights().get(key);
      float[] b = parallel.weights().get(key);
      assertThat(b).as(key).hasSameSizeAs(a);
      for (int i = 0; i < a.length; i++) {
        double diff = Math.abs(a[i] - b[i]);
        if (diff > worst) {
          worst = diff;
          worstKey = key;
        }
      }
    }
    // only the order of floating-point additions differs (two gradient sums instead of one)
    assertThat(worst).as("largest weight difference, in " + worstKey).isLessThan(1e-4);
    // the model really moved, so the comparison is not between two untouched models
    float largest = 0;
    for (float w : single.weights().get(BitKeys.HEAD_KERNEL)) {
      largest = Math.max(largest, Math.abs(w));
    }
    assertThat(largest).isGreaterThan(1e-3f);
  }

  private record Trained(List<StepReport> reports, Map<String, float[]> weights) {}

  private static Trained trainGroupsOn(List<Device> devices) {
    try (NDManager manager = NDManager.newBaseManager(devices.get(0))) {
      ResNetV2 model = TinyProblem.model(manager, 6);
      HyperRule rule = new HyperRule(new int[] {1, 4}, 0.05, 0.1);
      try (Finetuner f =
          new Finetuner(
              model,
              SoftmaxLoss.grouped(GroupLayout.ofSizes(2, 2)),
              TinyProblem.groupData(8),
              new Settings(8, 4, -1, rule, 7),
              manager,
              devices)) {
        return new Trained(run(f), snapshot(model));
      }
    }
  }
}
