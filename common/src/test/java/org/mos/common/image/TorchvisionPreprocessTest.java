package org.mos.common.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** torchvision's Resize(int) + CenterCrop + ToTensor + Normalize, against torchvision 0.14. */
class TorchvisionPreprocessTest {

  private static final PreprocessSpec SHORTER_256_CROP_224 =
      PreprocessSpec.builder().setResizeShorterSide(256).optCrop(224).build();

  /**
   * Decode + resize + centre crop + normalise, end to end on the fixtures' PNGs: every float must
   * equal torchvision's exactly (0 ulp), for bilinear and bicubic, since both sides resize on 8-bit
   * samples with the same integer arithmetic and normalise in float32 in the same order.
   */
  @Test
  void matchesTorchvisionExactlyForBilinearAndBicubic() throws Exception {
    List<String> report = new ArrayList<>();
    int bicubic = 0;
    for (TorchvisionFixtures.Case c : TorchvisionFixtures.cases()) {
      RgbImage image = ImageDecoder.pillowCompatible().decode(c.input());
      PreprocessSpec spec = c.spec();
      FloatBuffer out = direct(spec.floatsPerImage());
      new ImagePreprocessor(spec).preprocess(image, out, 0, null);
      float[] expected = c.expectedFloats();
      assertThat(expected).hasSize(spec.floatsPerImage());
      int maxUlps = 0;
      for (int i = 0; i < expected.length; i++) {
        maxUlps = Math.max(maxUlps, Math.abs(Float.floatToIntBits(out.get(i)) - bits(expected[i])));
      }
      report.add(c + " max " + maxUlps + " ulp");
      assertThat(maxUlps).as(c.toString()).isZero();
      bicubic += c.interpolation() == Interpolation.BICUBIC ? 1 : 0;
    }
    System.out.println("torchvision 0.14 preprocessing fidelity: " + report);
    assertThat(report).hasSize(20);
    assertThat(bicubic).isEqualTo(10);
  }

  @Test
  void resizedSizeAndCropOffsetAreTorchvisions() throws Exception {
    for (TorchvisionFixtures.Case c : TorchvisionFixtures.cases()) {
      RgbImage image = ImageDecoder.pillowCompatible().decode(c.input());
      int[] size = c.spec().resizedSize(image.width(), image.height());
      assertThat(size).as(c.toString()).containsExactly(c.resizedWidth(), c.resizedHeight());
      assertThat(c.spec().centerCropOffset(size[0])).as(c.toString()).isEqualTo(c.cropLeft());
      assertThat(c.spec().centerCropOffset(size[1])).as(c.toString()).isEqualTo(c.cropTop());
    }
  }

  @Test
  void longerSideIsTruncatedNotRounded() {
    // 256 * 500 / 333 = 384.38..., 256 * 640 / 427 = 383.70... -> 383 (rounding would give 384).
    assertThat(SHORTER_256_CROP_224.resizedSize(500, 333)).containsExactly(384, 256);
    assertThat(SHORTER_256_CROP_224.resizedSize(427, 640)).containsExactly(256, 383);
    assertThat(SHORTER_256_CROP_224.resizedSize(300, 300)).containsExactly(256, 256);
    // Upscaling a 1x3 strip: 256 * 3 / 1 = 768.
    assertThat(SHORTER_256_CROP_224.resizedSize(1, 3)).containsExactly(256, 768);
  }

  @Test
  void centreCropOffsetRoundsHalvesToEven() {
    PreprocessSpec crop10 = PreprocessSpec.builder().setResizeShorterSide(20).optCrop(10).build();
    assertThat(crop10.centerCropOffset(10)).isZero();
    assertThat(crop10.centerCropOffset(11)).isZero(); // 0.5 -> 0
    assertThat(crop10.centerCropOffset(13)).isEqualTo(2); // 1.5 -> 2
    assertThat(crop10.centerCropOffset(15)).isEqualTo(2); // 2.5 -> 2
    assertThat(crop10.centerCropOffset(17)).isEqualTo(4); // 3.5 -> 4
    assertThat(crop10.centerCropOffset(16)).isEqualTo(3);
  }

  @Test
  void bicubicKernelIsPillowsWithAMinusHalf() {
    // Hand-worked from Pillow's bicubic_filter with a = -0.5.
    assertThat(Interpolation.BICUBIC.kernel(0)).isEqualTo(1.0);
    assertThat(Interpolation.BICUBIC.kernel(0.5)).isEqualTo(0.5625);
    assertThat(Interpolation.BICUBIC.kernel(-0.5)).isEqualTo(0.5625);
    assertThat(Interpolation.BICUBIC.kernel(1.0)).isEqualTo(0.0);
    assertThat(Interpolation.BICUBIC.kernel(1.5)).isEqualTo(-0.0625);
    assertThat(Interpolation.BICUBIC.kernel(2.0)).isEqualTo(0.0);
    assertThat(Interpolation.BICUBIC.support()).isEqualTo(2.0);
    assertThat(Interpolation.BILINEAR.kernel(0.25)).isEqualTo(0.75);
    assertThat(Interpolation.BILINEAR.support()).isEqualTo(1.0);
  }

  @Test
  void shorterSideSpecsAreCentredAndDeterministic() {
    assertThat(SHORTER_256_CROP_224.isRandom()).isFalse();
    assertThat(SHORTER_256_CROP_224.randomCrop()).isFalse();
    assertThat(SHORTER_256_CROP_224.floatsPerImage()).isEqualTo(3 * 224 * 224);
    assertThat(SHORTER_256_CROP_224.interpolation()).isEqualTo(Interpolation.BILINEAR);
    assertThat(SHORTER_256_CROP_224)
        .isNotEqualTo(PreprocessSpec.builder().setResize(256).optCrop(224).build())
        .isNotEqualTo(
            PreprocessSpec.builder()
                .setResizeShorterSide(256)
                .optCrop(224)
                .optInterpolation(Interpolation.BICUBIC)
                .build());
    assertThat(SHORTER_256_CROP_224.toString()).contains("resize=shorter side 256");
  }

  @Test
  void shorterSideResizeNeedsACrop() {
    assertThatThrownBy(() -> PreprocessSpec.builder().setResizeShorterSide(256).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a shorter-side resize to 256 needs a crop size (the output is square)");
  }

  @Test
  void unknownInterpolationNamesAreRejected() {
    assertThat(Interpolation.of("BiCubic")).isEqualTo(Interpolation.BICUBIC);
    assertThatThrownBy(() -> Interpolation.of("lanczos"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown interpolation 'lanczos': expected bilinear or bicubic");
  }

  private static int bits(float f) {
    return Float.floatToIntBits(f);
  }

  private static FloatBuffer direct(int floats) {
    return ByteBuffer.allocateDirect(4 * floats).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }
}
