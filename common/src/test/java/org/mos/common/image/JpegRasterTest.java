package org.mos.common.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class JpegRasterTest {

  private static JpegRaster.Kind kind(String fixture) throws Exception {
    return JpegRaster.kindOf(Files.readAllBytes(Fixtures.file(fixture)));
  }

  private static boolean plain(String fixture) throws Exception {
    return kind(fixture) == JpegRaster.Kind.YCBCR;
  }

  /** The fidelity tests of ImageDecoderTest go through the fast path for exactly these files. */
  @Test
  void recognisesThreeComponentJfifJpegs() throws Exception {
    assertThat(plain("china_baseline.jpg")).isTrue();
    assertThat(plain("flower_progressive.jpg")).isTrue();
    assertThat(plain("adobe_rgb_profile.jpg")).isTrue();
    assertThat(plain("subsampling_444.jpg")).isTrue();
  }

  @Test
  void recognisesAdobeCmykAndYcckJpegs() throws Exception {
    assertThat(kind("cmyk_96x72.jpg")).isEqualTo(JpegRaster.Kind.CMYK);
    assertThat(kind("cmyk_profile_96x72.jpg")).isEqualTo(JpegRaster.Kind.CMYK);
    assertThat(kind("ycck_96x72.jpg")).isEqualTo(JpegRaster.Kind.YCCK);
  }

  @Test
  void leavesGrayPngAndGarbageToTheGeneralPath() throws Exception {
    assertThat(kind("gray_120x90.jpg")).isEqualTo(JpegRaster.Kind.OTHER);
    assertThat(kind("png_named.JPEG")).isEqualTo(JpegRaster.Kind.OTHER);
    assertThat(kind("not_an_image.jpg")).isEqualTo(JpegRaster.Kind.OTHER);
    assertThat(JpegRaster.kindOf(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}))
        .isEqualTo(JpegRaster.Kind.OTHER);
  }

  @Test
  void convertsWithLibjpegsFixedPointTables() {
    // hand-worked with jdcolor.c: Y=100, Cb=90, Cr=200 -> x_cb = -38, x_cr = 72
    // R = 100 + round(1.402 * 72) = 201; B = 100 + round(1.772 * -38) = 33;
    // G = 100 + ((-0.34414 * -38 - 0.71414 * 72) * 65536 + 32768 >> 16) = 100 - 38 = 62
    var raster =
        java.awt.image.Raster.createInterleavedRaster(
            new java.awt.image.DataBufferByte(new byte[] {100, 90, (byte) 200}, 3),
            1,
            1,
            3,
            3,
            new int[] {0, 1, 2},
            null);
    RgbImage rgb = JpegRaster.ycbcrToRgb(raster);
    assertThat(rgb.sample(0, 0, 0)).isEqualTo(201);
    assertThat(rgb.sample(0, 0, 1)).isEqualTo(62);
    assertThat(rgb.sample(0, 0, 2)).isEqualTo(33);
  }
}
