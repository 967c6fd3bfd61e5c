package org.mos.scorer.kserve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mos.scorer.service.ScoringProblem;

class V2InputTest {

  @Test
  void countsDeclaredElementsAndRefusesNegativeEntries() {
    assertThat(V2Input.elementCount("input", new long[] {2, 3, 4, 4}, 1000)).isEqualTo(96);
    assertThat(V2Input.elementCount("input", new long[] {}, 1000)).isEqualTo(1);
    assertThat(V2Input.elementCount("input", new long[] {0, 3, 4, 4}, 1000)).isZero();
    assertThatThrownBy(() -> V2Input.elementCount("input", new long[] {1, -3}, 1000))
        .isInstanceOf(ScoringProblem.class)
        .hasMessageContaining("non-negative")
        .extracting(e -> ((ScoringProblem) e).status())
        .isEqualTo(400);
  }

  @Test
  void refusesADeclaredShapeOverTheBudgetEvenWhenItsProductOverflows() {
    assertThatThrownBy(() -> V2Input.elementCount("input", new long[] {10, 11}, 100))
        .hasMessageContaining("110 elements")
        .hasMessageContaining(V2Input.MAX_TENSOR_ELEMENTS_KEY)
        .extracting(e -> ((ScoringProblem) e).status())
        .isEqualTo(413);
    // 2^32 * 2^32 wraps to 0 in a long: still refused
    long big = 1L << 32;
    assertThatThrownBy(() -> V2Input.elementCount("input", new long[] {big, big}, 100))
        .hasMessageContaining("over 2^63")
        .extracting(e -> ((ScoringProblem) e).status())
        .isEqualTo(413);
  }

  @Test
  void readsLittleEndianHalfSingleAndDoubleFloats() {
    // half: 0x3C00 = 1, 0xC000 = -2, 0x7BFF = 65504 (largest), 0x0001 = 2^-24 (smallest subnormal)
    ByteBuffer half = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    half.putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x7BFF);
    half.putShort((short) 0x0001).flip();
    assertThat(V2Input.floatsFromBinary("input", V2Datatype.FP16, 4, half))
        .containsExactly(1f, -2f, 65504f, 0x1p-24f);
    ByteBuffer single = ByteBuffer.wrap(new byte[] {0, 0, (byte) 0x80, 0x3F}); // 1.0f LE
    assertThat(V2Input.floatsFromBinary("input", V2Datatype.FP32, 1, single)).containsExactly(1f);
    ByteBuffer dbl = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(-0.5).flip();
    assertThat(V2Input.floatsFromBinary("input", V2Datatype.FP64, 1, dbl)).containsExactly(-0.5f);
    assertThatThrownBy(
            () -> V2Input.floatsFromBinary("input", V2Datatype.FP32, 2, ByteBuffer.allocate(6)))
        .hasMessageContaining("6 bytes")
        .hasMessageContaining("need 8");
  }

  @Test
  void splitsLengthPrefixedByteStringsExactly() {
    byte[] two = {2, 0, 0, 0, 'a', 'b', 0, 0, 0, 0};
    List<byte[]> out = V2Input.bytesFromBinary("input", 2, ByteBuffer.wrap(two));
    assertThat(out).hasSize(2);
    assertThat(out.get(0)).containsExactly('a', 'b');
    assertThat(out.get(1)).isEmpty();
    assertThatThrownBy(() -> V2Input.bytesFromBinary("input", 1, ByteBuffer.wrap(two)))
        .hasMessageContaining("declares 1");
    byte[] lying = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 'a'};
    assertThatThrownBy(() -> V2Input.bytesFromBinary("input", 1, ByteBuffer.wrap(lying)))
        .hasMessageContaining("declares 4294967295 bytes but only 1 remain");
  }

  @Test
  void refusesDatatypesTheScorerDoesNotTakeAndUnknownOnes() {
    assertThatThrownBy(() -> V2Input.checkSupported("input", V2Datatype.INT8))
        .hasMessageContaining("INT8")
        .hasMessageContaining("FP32");
    assertThatThrownBy(() -> V2Datatype.parse("fp32", "input"))
        .hasMessageContaining("'fp32'")
        .hasMessageContaining("FP32, FP64, BYTES");
  }

  @Test
  void parametersOfTheWrongTypeAreRefusedByName() {
    V2Parameters p =
        new V2Parameters(
            Map.of("tpr", "0.9", "methods", 3L, "binary_data_output", "yes", "odin.T", "NaN"),
            "the request");
    assertThat(p.number("tpr")).isEqualTo(0.9);
    assertThatThrownBy(() -> p.string("methods")).hasMessageContaining("'methods'");
    assertThatThrownBy(() -> p.bool("binary_data_output", false))
        .hasMessageContaining("expected a boolean");
    assertThatThrownBy(() -> p.number("odin.T")).hasMessageContaining("finite");
    assertThat(p.bool("absent", true)).isTrue();
  }
}
