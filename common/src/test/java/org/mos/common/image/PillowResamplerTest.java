package org.mos.common.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PillowResamplerTest {

  /**
   * Resize alone, on identical input pixels (lossless PNG inputs, or PIL's own decode stored as
   * .npy): every output sample must equal Pillow's exactly.
   */
  @Test
  void matchesPillowBilinearExactlyOnIdenticalPixels() throws Exception {
    List<String> report = new ArrayList<>();
    int cases = 0;
    for (JsonNode c : Fixtures.manifest().get("cases")) {
      String file = c.get("file").asText();
      RgbImage input;
      if (c.has("pixels")) {
        input = Fixtures.npyImage(c.get("pixels").asText());
      } else if (file.endsWith(".png")) {
        input = ImageDecoder.pillowCompatible().decode(Fixtures.file(file));
      } else {
        continue;
      }
      for (JsonNode s : c.get("sizes")) {
        RgbImage expected = Fixtures.referencePng(s.get("png").asText());
        RgbImage actual =
            PillowResampler.resize(input, s.get("width").asInt(), s.get("height").asInt());
        int diff = Fixtures.maxAbsDiff(actual, expected);
        report.add(s.get("png").asText() + " max diff " + diff);
        assertThat(diff).as(s.get("png").asText()).isZero();
        cases++;
      }
    }
    System.out.println("resize-only fidelity vs Pillow 9.4: " + report);
    assertThat(cases).isGreaterThanOrEqualTo(25);
  }

  @Test
  void windowEqualsTheSameRegionOfTheFullResize() {
    RgbImage input = Fixtures.referencePng("china_crop.png");
    RgbImage full = PillowResampler.resize(input, 150, 120);
    byte[] window = new byte[3 * 40 * 30];
    PillowResampler.resizeWindow(
        input,
        150,
        120,
        17,
        61,
        40,
        30,
        (y, rgb, w) -> System.arraycopy(rgb, 0, window, y * w * 3, w * 3));
    for (int y = 0; y < 30; y++) {
      for (int x = 0; x < 40; x++) {
        for (int ch = 0; ch < 3; ch++) {
          assertThat(window[(y * 40 + x) * 3 + ch] & 0xFF)
              .isEqualTo(full.sample(x + 17, y + 61, ch));
        }
      }
    }
  }

  @Test
  void sameSizeResizeReturnsTheInput() {
    RgbImage input = Fixtures.referencePng("noise_37x53_png_resized_64x64.png");
    assertThat(PillowResampler.resize(input, 64, 64)).isEqualTo(input);
  }

  @Test
  void twoByOneUpscaleHasHandWorkedValues() {
    // 2 pixels (0 and 255) -> 4: centres at 0.25, 0.75, 1.25, 1.75 in input pixel units; triangle
    // weights give 0, 0.25, 0.75 and 1 of the way from 0 to 255 (ends clamp to the edge pixel).
    RgbImage input = RgbImage.of(2, 1, new byte[] {0, 0, 0, (byte) 255, (byte) 255, (byte) 255});
    RgbImage out = PillowResampler.resize(input, 4, 1);
    assertThat(out.sample(0, 0, 0)).isEqualTo(0);
    assertThat(out.sample(1, 0, 0)).isEqualTo(64); // 63.75 rounded
    assertThat(out.sample(2, 0, 0)).isEqualTo(191); // 191.25 rounded
    assertThat(out.sample(3, 0, 0)).isEqualTo(255);
  }

  @Test
  void rejectsWindowsOutsideTheResizedImage() {
    RgbImage input = RgbImage.of(2, 2, new byte[12]);
    assertThatThrownBy(
            () -> PillowResampler.resizeWindow(input, 10, 10, 5, 0, 6, 10, (y, r, w) -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("window 6x10 at (5, 0)")
        .hasMessageContaining("10x10");
  }
}
