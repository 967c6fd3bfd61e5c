package org.mos.common.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.io.NpyArray;

class ImageDecoderTest {

  private final ImageDecoder decoder = ImageDecoder.pillowCompatible();

  @Test
  void losslessInputsDecodeToExactlyPillowsPixels() throws Exception {
    for (String name :
        List.of(
            "gray_120x90.png",
            "gray16_40x30.png",
            "rgba_37x50.png",
            "palette_70x50.png",
            "png_named.JPEG")) {
      RgbImage expected = Fixtures.npyImage(name.replace('.', '_') + "_pixels.npy.gz");
      RgbImage actual = decoder.decode(Fixtures.file(name));
      assertThat(Fixtures.maxAbsDiff(actual, expected)).as(name).isZero();
    }
  }

  /**
   * JPEG decoding: the JDK's libjpeg against Pillow's libjpeg-turbo, same files. The measured
   * numbers are printed; the assertion is the 1/255 tolerance the fidelity target asks for.
   */
  @Test
  void jpegDecodesWithinOneLevelOfPillow() throws Exception {
    List<String> report = new ArrayList<>();
    for (String name :
        List.of(
            "china_baseline.jpg",
            "flower_baseline.jpg",
            "china_progressive.jpg",
            "flower_progressive.jpg",
            "gray_120x90.jpg",
            "cmyk_96x72.jpg",
            "cmyk_profile_96x72.jpg",
            "ycck_96x72.jpg",
            "adobe_rgb_profile.jpg",
            "subsampling_422.jpg",
            "subsampling_444.jpg")) {
      RgbImage expected = Fixtures.npyImage(name.replace('.', '_') + "_pixels.npy.gz");
      RgbImage actual = decoder.decode(Fixtures.file(name));
      int diff = Fixtures.maxAbsDiff(actual, expected);
      report.add(name + " max " + diff + ", >1: " + Fixtures.countAbove(actual, expected, 1));
      assertThat(diff).as(name).isLessThanOrEqualTo(1);
    }
    System.out.println("JPEG decode vs Pillow 9.4/libjpeg-turbo: " + report);
  }

  /** Decode + resize, end to end, against Pillow's {@code convert('RGB').resize(...)}. */
  @Test
  void decodeAndResizeMatchPillowWithinOneLevel() throws Exception {
    List<String> report = new ArrayList<>();
    for (JsonNode c : Fixtures.manifest().get("cases")) {
      RgbImage decoded = decoder.decode(Fixtures.file(c.get("file").asText()));
      for (JsonNode s : c.get("sizes")) {
        RgbImage expected = Fixtures.referencePng(s.get("png").asText());
        RgbImage actual =
            PillowResampler.resize(decoded, s.get("width").asInt(), s.get("height").asInt());
        int diff = Fixtures.maxAbsDiff(actual, expected);
        report.add(s.get("png").asText() + " " + diff);
        assertThat(diff).as(s.get("png").asText()).isLessThanOrEqualTo(1);
      }
    }
    System.out.println("decode+resize vs Pillow 9.4: " + report);
  }

  /**
   * The original sklearn photos (not copied into the fixtures; present where python3-sklearn is).
   */
  @Test
  void wholePhotosDecodeAndResizeWithinOneLevelOfPillow() throws Exception {
    for (JsonNode p : Fixtures.manifest().get("photos")) {
      Path photo = Path.of(p.get("file").asText());
      assumeThat(Files.isRegularFile(photo)).as(photo + " (python3-sklearn) present").isTrue();
      RgbImage decoded = decoder.decode(photo);
      assertThat(decoded.width()).isEqualTo(p.get("width").asInt());
      long[] sums = new long[3];
      byte[] px = decoded.copyPixels();
      for (int i = 0; i < px.length; i++) {
        sums[i % 3] += px[i] & 0xFF;
      }
      RgbImage expected = Fixtures.referencePng(p.get("resized64").asText());
      int diff = Fixtures.maxAbsDiff(PillowResampler.resize(decoded, 64, 64), expected);
      System.out.printf(
          "%s: channel sums ours %d %d %d, Pillow %s; resized 64 max diff %d%n",
          photo, sums[0], sums[1], sums[2], p.get("channel_sums"), diff);
      assertThat(diff).isLessThanOrEqualTo(1);
    }
  }

  @Test
  void picksTheReaderByContentNotBySuffix() throws Exception {
    RgbImage image = decoder.decode(Fixtures.file("png_named.JPEG"));
    assertThat(image.width()).isEqualTo(30);
    assertThat(image.height()).isEqualTo(20);
  }

  @Test
  void decodingBytesEqualsDecodingTheFile() throws Exception {
    Path file = Fixtures.file("china_progressive.jpg");
    assertThat(decoder.decode(Files.readAllBytes(file), "upload")).isEqualTo(decoder.decode(file));
  }

  @Test
  void cmykUsesPillowsNaiveFormulaOnTheDecodedInks() throws Exception {
    // Pillow's own CMYK samples of the same file, converted by hand with cmyk2rgb's formula
    NpyArray cmyk = Fixtures.npy("cmyk_96x72_cmyk.npy.gz");
    int[] v = cmyk.toInts();
    RgbImage pil = Fixtures.npyImage("cmyk_96x72_jpg_pixels.npy.gz");
    for (int i = 0; i < v.length / 4; i++) {
      int nk = 255 - v[4 * i + 3];
      for (int ch = 0; ch < 3; ch++) {
        int expected = pil.sample(i % 96, i / 96, ch);
        assertThat(RgbConversion.cmykToRgb(v[4 * i + ch], nk) & 0xFF).isEqualTo(expected);
      }
    }
  }

  /**
   * Without an embedded CMYK profile (PIL writes none) TwelveMonkeys falls back to a naive CMYK
   * colour space whose conversion equals Pillow's formula: measured max difference 0.
   */
  @Test
  void iccCmykConversionWithoutAnEmbeddedProfileAgreesWithPillow() throws Exception {
    RgbImage pil = Fixtures.npyImage("cmyk_96x72_jpg_pixels.npy.gz");
    ImageDecoder icc = ImageDecoder.withCmykConversion(ImageDecoder.CmykConversion.ICC_PROFILE);
    assertThat(icc.cmykConversion()).isEqualTo(ImageDecoder.CmykConversion.ICC_PROFILE);
    RgbImage managed = icc.decode(Fixtures.file("cmyk_96x72.jpg"));
    int max = Fixtures.maxAbsDiff(pil, managed);
    System.out.println("CMYK via ICC_PROFILE (no embedded profile) vs Pillow: max diff " + max);
    assertThat(max).isLessThanOrEqualTo(1);
  }

  /**
   * With an embedded CMYK profile, colour management changes the pixels a lot compared with what
   * Pillow (and so the paper's models) saw; it comes close to littleCMS's managed conversion.
   */
  @Test
  void iccCmykConversionWithAnEmbeddedProfileDiffersFromPillow() throws Exception {
    RgbImage pil = Fixtures.npyImage("cmyk_profile_96x72_jpg_pixels.npy.gz");
    RgbImage lcms = Fixtures.npyImage("cmyk_profile_96x72_lcms_srgb.npy.gz");
    RgbImage managed =
        ImageDecoder.withCmykConversion(ImageDecoder.CmykConversion.ICC_PROFILE)
            .decode(Fixtures.file("cmyk_profile_96x72.jpg"));
    double vsPillow = meanAbsDiff(managed, pil);
    double vsLcms = meanAbsDiff(managed, lcms);
    System.out.printf(
        "CMYK with FOGRA39 profile, ICC_PROFILE vs Pillow: max %d, mean %.2f;"
            + " vs littleCMS: max %d, mean %.2f; littleCMS vs Pillow: max %d, mean %.2f%n",
        Fixtures.maxAbsDiff(managed, pil),
        vsPillow,
        Fixtures.maxAbsDiff(managed, lcms),
        vsLcms,
        Fixtures.maxAbsDiff(lcms, pil),
        meanAbsDiff(lcms, pil));
    assertThat(Fixtures.maxAbsDiff(managed, pil)).isGreaterThan(10);
    assertThat(vsLcms).isLessThan(vsPillow);
  }

  private static double meanAbsDiff(RgbImage a, RgbImage b) {
    byte[] x = a.copyPixels();
    byte[] y = b.copyPixels();
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      sum += Math.abs((x[i] & 0xFF) - (y[i] & 0xFF));
    }
    return sum / x.length;
  }

  @Test
  void truncatedJpegIsRejectedNamingThePath() {
    Path file = Fixtures.file("truncated.jpg");
    assertThatThrownBy(() -> decoder.decode(file))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessageStartingWith(file.toString() + ": ")
        .hasMessageContaining("truncated");
  }

  @Test
  void truncatedPngIsRejected() throws Exception {
    byte[] png = Files.readAllBytes(Fixtures.file("china_crop.png"));
    byte[] half = java.util.Arrays.copyOf(png, png.length / 2);
    assertThatThrownBy(() -> decoder.decode(half, "half.png"))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessageStartingWith("half.png: ");
  }

  @Test
  void truncatedProgressiveJpegIsRejected() throws Exception {
    byte[] jpeg = Files.readAllBytes(Fixtures.file("china_progressive.jpg"));
    byte[] cut = java.util.Arrays.copyOf(jpeg, jpeg.length - 600);
    assertThatThrownBy(() -> decoder.decode(cut, "cut.jpg"))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessageStartingWith("cut.jpg: truncated JPEG data");
  }

  @Test
  void emptyFileIsRejectedNamingThePath() {
    Path file = Fixtures.file("empty.jpg");
    assertThatThrownBy(() -> decoder.decode(file))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessage(file + ": empty file (0 bytes)");
  }

  @Test
  void textFileIsRejectedAsNotAnImage() {
    Path file = Fixtures.file("not_an_image.jpg");
    assertThatThrownBy(() -> decoder.decode(file))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessageStartingWith(file + ": not a recognised image format (first bytes: 7468");
  }

  @Test
  void missingFileIsRejected(@TempDir Path dir) {
    Path file = dir.resolve("nope.JPEG");
    assertThatThrownBy(() -> decoder.decode(file))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessage(file + ": no such file");
  }

  @Test
  void corruptJpegBodyIsRejected() throws Exception {
    byte[] bytes = Files.readAllBytes(Fixtures.file("china_baseline.jpg"));
    byte[] header = java.util.Arrays.copyOf(bytes, 200); // SOI and headers, then garbage
    assertThatThrownBy(() -> decoder.decode(header, "upload-7"))
        .isInstanceOf(ImageDecodeException.class)
        .hasMessageStartingWith("upload-7: ");
  }
}
