package org.mos.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

class ResNetV2Test {

  @Test
  void bitArchitecturesHaveThePublishedDepthsAndWidths() {
    assertThat(BitArchitecture.parse("BiT-S-R101x1").units()).containsExactly(3, 4, 23, 3);
    assertThat(BitArchitecture.parse("bit-m-r152x4").units()).containsExactly(3, 8, 36, 3);
    assertThat(BitArchitecture.parse("R152x4").widthFactor()).isEqualTo(4);
    assertThat(BitArchitecture.parse("R50x3").units()).containsExactly(3, 4, 6, 3);
    assertThatThrownBy(() -> BitArchitecture.parse("R34x1")).hasMessageContaining("R34x1");
  }

  @Test
  void r50x3HasTheWidthsOfBit() {
    ResNetV2 model =
        ResNetV2.builder().setArchitecture(BitArchitecture.R50x3).setNumClasses(1000).build();
    assertThat(model.featureWidth()).isEqualTo(6144);
    assertThat(model.layerWidths()).containsExactly(192, 768, 1536, 3072, 6144);
    assertThat(model.block(3)).hasSize(6);
  }

  @Test
  void rejectsWidthsThatGroupNormCannotSplitIntoThirtyTwoGroups() {
    assertThatThrownBy(
            () -> ResNetV2.builder().setUnits(1, 1, 1, 1).optBaseWidth(48).setNumClasses(3).build())
        .hasMessageContaining("48")
        .hasMessageContaining("multiple of 32");
  }

  @Test
  void rejectsAMissingClassCountAndWrongUnitCounts() {
    assertThatThrownBy(() -> ResNetV2.builder().setUnits(1, 1, 1, 1).build())
        .hasMessageContaining("classes");
    assertThatThrownBy(() -> ResNetV2.builder().setUnits(1, 1, 1).setNumClasses(2).build())
        .hasMessageContaining("[1, 1, 1]");
  }

  @Test
  void returnsLogitsPreLogitsAndTheMeansOfStemAndBlocks() {
    ResNetV2 model =
        ResNetV2.builder().setUnits(1, 1, 1, 1).optBaseWidth(32).setNumClasses(9).build();
    try (NDManager manager = NDManager.newBaseManager()) {
      model.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 35, 35));
      NDList out =
          model.forward(
              new ParameterStore(manager, false),
              new NDList(manager.randomNormal(new Shape(2, 3, 35, 35))),
              false);
      assertThat(out.getShapes())
          .containsExactly(
              new Shape(2, 9),
              new Shape(2, 1024),
              new Shape(2, 32),
              new Shape(2, 128),
              new Shape(2, 256),
              new Shape(2, 512),
              new Shape(2, 1024));
      assertThat(model.getOutputShapes(new Shape[] {new Shape(2, 3, 35, 35)}))
          .containsExactly(out.getShapes());
      // a zero head gives zero logits, as finetuning starts
      assertThat(out.get(ResNetV2.OUTPUT_LOGITS).toFloatArray()).containsOnly(0f);
    }
  }
}
