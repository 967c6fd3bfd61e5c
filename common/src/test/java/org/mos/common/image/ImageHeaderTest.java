package org.mos.common.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.mos.common.testkit.ImageBombs;

/**
 * Header reads without decoding, and the decoder's pixel limit, on files whose headers claim huge
 * images (made by {@link ImageBombs}): decoding them would need gigabytes; these tests run in the
 * default test heap.
 */
class ImageHeaderTest {

  @Test
  void readsTheClaimedSizeOfEveryFormatFromItsHeader() throws Exception {
    assertThat(ImageHeader.read(ImageBombs.png(100_000, 100_000), "p"))
        .isEqualTo(new ImageHeader("PNG", 100_000, 100_000));
    assertThat(ImageHeader.read(ImageBombs.jpeg(65_535, 65_535), "j"))
        .isEqualTo(new ImageHeader("JPEG", 65_535, 65_535));
    assertThat(ImageHeader.read(ImageBombs.gif(65_535, 65_535), "g"))
        .isEqualTo(new ImageHeader("GIF", 65_535, 65_535));
    assertThat(ImageHeader.read(ImageBombs.bmp(40_000, 40_000), "b"))
        .isEqualTo(new ImageHeader("BMP", 40_000, 40_000));
    assertThat(ImageHeader.read(ImageBombs.png(100_000, 100_000), "p").pixels())
        .isEqualTo(10_000_000_000L);
  }

  @Test
  void theDirectPngAndJpegReadsAgreeWithImageIoOnEveryFixture() throws Exception {
    int compared = 0;
    try (var files = java.nio.file.Files.list(Fixtures.dir())) {
      for (var f : files.filter(p -> p.toString().matches(".*\\.(jpg|png|JPEG)$")).toList()) {
        byte[] bytes = java.nio.file.Files.readAllBytes(f);
        if (bytes.length == 0) {
          continue;
        }
        ImageHeader expected;
        try {
          expected = ImageHeader.viaImageIO(bytes, "f");
        } catch (ImageDecodeException e) { // not_an_image.jpg
          assertThatThrownBy(() -> ImageHeader.read(bytes, "f")).hasMessage(e.getMessage());
          continue;
        }
        assertThat(ImageHeader.read(bytes, "f")).as(f.toString()).isEqualTo(expected);
        compared++;
      }
    }
    assertThat(compared).isGreaterThan(20); // the JPEG kinds (CMYK, progressive, ...) and PNGs
  }

  @Test
  void theDecoderRefusesEveryBombBeforeAllocatingItsPixels() {
    for (byte[] bomb :
        new byte[][] {
          ImageBombs.png(100_000, 100_000),
          ImageBombs.jpeg(65_535, 65_535),
          ImageBombs.gif(65_535, 65_535),
          ImageBombs.bmp(40_000, 40_000)
        }) {
      assertThatThrownBy(() -> ImageDecoder.pillowCompatible().decode(bomb, "bomb"))
          .isInstanceOf(ImageDecodeException.class)
          .hasMessageContaining("bomb")
          .hasMessageContaining("pixels; at most " + ImageDecoder.PILLOW_MAX_PIXELS);
    }
  }

  @Test
  void aConfiguredLimitRefusesLargerImagesAndDecodesOthers() throws Exception {
    ImageDecoder decoder = ImageDecoder.pillowCompatible().withMaxPixels(64);
    assertThat(decoder.decode(ImageBombs.solidPng(8, 8), "ok").width()).isEqualTo(8);
    assertThatThrownBy(() -> decoder.decode(ImageBombs.solidPng(9, 8), "big"))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessage("big: the PNG header declares 9 x 8 = 72 pixels; at most 64 are decoded");
    assertThatThrownBy(() -> decoder.withMaxPixels(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unreadableHeadersAreDecodeErrorsNamingTheSource() {
    byte[] png = ImageBombs.solidPng(8, 8);
    assertThatThrownBy(() -> ImageHeader.read(new byte[0], "empty.png"))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessage("empty.png: empty file (0 bytes)");
    assertThatThrownBy(() -> ImageHeader.read("{\"a\": 1}".getBytes(), "json"))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessage("json: not a recognised image format");
    assertThatThrownBy(() -> ImageHeader.read(Arrays.copyOf(png, 12), "cut.png"))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessageStartingWith("cut.png: unreadable image header");
    assertThatThrownBy(() -> ImageHeader.read(ImageBombs.png(0, 5), "zero.png"))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessageStartingWith("zero.png: unreadable image header");
  }
}
