package org.mos.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingDevicesTest {

  private final List<String> log = new ArrayList<>();

  @Test
  void autoTakesEveryGpuAndSaysNothing() {
    assertThat(TrainingDevices.resolve("auto", 2, log::add))
        .containsExactly(Device.gpu(0), Device.gpu(1));
    assertThat(log).isEmpty();
  }

  @Test
  void autoWithoutGpuUsesTheCpuAndSaysSoOnce() {
    assertThat(TrainingDevices.resolve(null, 0, log::add)).containsExactly(Device.cpu());
    assertThat(log).hasSize(1);
    assertThat(log.get(0)).contains("no GPU").contains("CPU");
  }

  @Test
  void askingForGpusWithoutAnyFallsBackToTheCpuWithOneLine() {
    assertThat(TrainingDevices.resolve("gpu0,gpu1", 0, log::add)).containsExactly(Device.cpu());
    assertThat(log).singleElement().asString().contains("docs/trainer.md");
  }

  @Test
  void listsSelectGpusInOrder() {
    assertThat(TrainingDevices.resolve("gpu:2, gpu0", 4, log::add))
        .containsExactly(Device.gpu(2), Device.gpu(0));
  }

  @Test
  void repeatedCpuMakesCpuReplicas() {
    assertThat(TrainingDevices.resolve("cpu,cpu", 0, log::add))
        .containsExactly(Device.cpu(), Device.cpu());
  }

  @Test
  void rejectsMissingGpusMixedKindsAndNonsense() {
    assertThatThrownBy(() -> TrainingDevices.resolve("gpu3", 2, log::add))
        .hasMessageContaining("gpu3")
        .hasMessageContaining("2 GPU");
    assertThatThrownBy(() -> TrainingDevices.resolve("cpu,gpu0", 1, log::add))
        .hasMessageContaining("mixes");
    assertThatThrownBy(() -> TrainingDevices.resolve("gpu0,gpu0", 1, log::add))
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> TrainingDevices.resolve("tpu", 1, log::add))
        .hasMessageContaining("'tpu'");
  }
}
