package org.mos.common.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ImagePreprocessorTest {

  private static FloatBuffer direct(int floats) {
    FloatBuffer b =
        ByteBuffer.allocateDirect(4 * floats).order(ByteOrder.nativeOrder()).asFloatBuffer();
    for (int i = 0; i < floats; i++) {
      b.put(i, Float.NaN);
    }
    return b;
  }

  /** ToTensor + Normalize(0.5, 0.5) of Pillow's resize, in float32 as torchvision computes it. */
  private static float expected(RgbImage pil, int x, int y, int c) {
    return (pil.sample(x, y, c) / 255f - 0.5f) / 0.5f;
  }

  @Test
  void testPreprocessingIsPillowsResizeNormalisedToMinusOneOneInChwOrder() throws Exception {
    RgbImage decoded =
        ImageDecoder.pillowCompatible().decode(Fixtures.file("gradient_300x200.png"));
    RgbImage pil = Fixtures.referencePng("gradient_300x200_png_resized_480x480.png");
    ImagePreprocessor pre = new ImagePreprocessor(PreprocessSpec.test(480));
    FloatBuffer batch = direct(2 * 3 * 480 * 480);
    pre.preprocess(decoded, batch, 1, null);
    int plane = 480 * 480;
    int base = 3 * plane;
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 480; y++) {
        for (int x = 0; x < 480; x++) {
          float v = batch.get(base + c * plane + y * 480 + x);
          if (v != expected(pil, x, y, c)) {
            throw new AssertionError("(" + x + ", " + y + ", " + c + "): " + v);
          }
        }
      }
    }
    assertThat(batch.get(0)).as("slot 0 untouched").isNaN();
    assertThat(batch.get(base - 1)).as("slot 0 untouched").isNaN();
    assertThat(batch.position()).isZero();
  }

  @Test
  void trainingCropAndFlipAreWindowsOfPillowsResize() throws Exception {
    RgbImage decoded = ImageDecoder.pillowCompatible().decode(Fixtures.file("noise_37x53.png"));
    RgbImage pil = Fixtures.referencePng("noise_37x53_png_resized_64x64.png");
    ImagePreprocessor pre = new ImagePreprocessor(PreprocessSpec.train(64, 40));
    int flips = 0;
    for (long seed = 0; seed < 12; seed++) {
      FloatBuffer out = direct(3 * 40 * 40);
      pre.preprocess(decoded, out, 0, new SplittableRandom(seed));
      SplittableRandom same = new SplittableRandom(seed); // the documented draw order
      int left = same.nextInt(25);
      int top = same.nextInt(25);
      boolean flip = same.nextBoolean();
      flips += flip ? 1 : 0;
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < 40; y++) {
          for (int x = 0; x < 40; x++) {
            int srcX = left + (flip ? 39 - x : x);
            assertThat(out.get(c * 1600 + y * 40 + x)).isEqualTo(expected(pil, srcX, top + y, c));
          }
        }
      }
    }
    assertThat(flips).as("both flipped and unflipped samples").isBetween(1, 11);
  }

  @Test
  void customNormalisationIsAppliedPerChannel() {
    RgbImage white = RgbImage.of(1, 1, new byte[] {(byte) 255, 0, (byte) 255});
    PreprocessSpec spec =
        PreprocessSpec.builder()
            .setResize(2)
            .optNormalization(
                new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f})
            .build();
    FloatBuffer out = direct(12);
    new ImagePreprocessor(spec).preprocess(white, out, 0, null);
    assertThat(out.get(0)).isEqualTo((1f - 0.485f) / 0.229f);
    assertThat(out.get(4)).isEqualTo((0f - 0.456f) / 0.224f);
    assertThat(out.get(11)).isEqualTo((1f - 0.406f) / 0.225f);
  }

  @Test
  void bitRuleUses128ForImagesSmallerThan96By96() {
    assertThat(PreprocessSpec.bitTest(95, 96).crop()).isEqualTo(128);
    assertThat(PreprocessSpec.bitTest(96, 96).crop()).isEqualTo(480);
    assertThat(PreprocessSpec.bitTrain(28, 28).resize()).isEqualTo(160);
    assertThat(PreprocessSpec.bitTrain(28, 28).crop()).isEqualTo(128);
    assertThat(PreprocessSpec.bitTrain(500, 375).resize()).isEqualTo(512);
    assertThat(PreprocessSpec.bitTrain(500, 375).crop()).isEqualTo(480);
    assertThat(PreprocessSpec.bitTrain(500, 375).randomFlip()).isTrue();
    assertThat(PreprocessSpec.test(480).isRandom()).isFalse();
    assertThat(PreprocessSpec.test(480).floatsPerImage()).isEqualTo(3 * 480 * 480);
  }

  @Test
  void rejectsCropsLargerThanTheResize() {
    assertThatThrownBy(() -> PreprocessSpec.train(128, 160))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("crop size must be between 1 and the resize size 128, got 160");
  }

  @Test
  void rejectsSlotsPastTheEndOfTheBuffer() {
    ImagePreprocessor pre = new ImagePreprocessor(PreprocessSpec.test(4));
    RgbImage img = RgbImage.of(1, 1, new byte[3]);
    assertThatThrownBy(() -> pre.preprocess(img, direct(96), 2, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slot 2 needs floats up to 144 but the buffer holds 96");
  }

  @Test
  void randomSpecsRequireARandomGenerator() {
    ImagePreprocessor pre = new ImagePreprocessor(PreprocessSpec.train(8, 4));
    assertThatThrownBy(() -> pre.preprocess(RgbImage.of(1, 1, new byte[3]), direct(48), 0, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("random generator is required");
  }
}
