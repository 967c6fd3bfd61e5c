package org.mos.common.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mos.common.io.Npy;

/**
 * The fixtures written by scripts/fixtures/make_torchvision_preprocess_fixtures.py: PNG inputs and
 * torchvision 0.14's {@code Resize(R) -> CenterCrop(S) -> ToTensor() -> Normalize(mean, std)}
 * outputs as float32 (3, S, S) arrays.
 */
public final class TorchvisionFixtures {

  /**
   * One reference: {@code input} through torchvision with these settings gives {@code expected}.
   */
  public record Case(
      Path input,
      int resize,
      int crop,
      Interpolation interpolation,
      int resizedWidth,
      int resizedHeight,
      int cropLeft,
      int cropTop,
      Path expected) {

    /** The spec that should reproduce this case, with the fixtures' mean and std. */
    public PreprocessSpec spec() {
      return PreprocessSpec.builder()
          .setResizeShorterSide(resize)
          .optCrop(crop)
          .optInterpolation(interpolation)
          .optNormalization(MEAN, STD)
          .build();
    }

    /** torchvision's output, CHW. */
    public float[] expectedFloats() {
      try {
        return Npy.read(expected).toFloats();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public String toString() {
      return input.getFileName() + " R=" + resize + " S=" + crop + " " + interpolation.id();
    }
  }

  /** The mean and std every case was normalised with (torchvision's ImageNet values). */
  public static final float[] MEAN = {0.485f, 0.456f, 0.406f};

  public static final float[] STD = {0.229f, 0.224f, 0.225f};

  private TorchvisionFixtures() {}

  public static Path dir() {
    try {
      return Path.of(
              TorchvisionFixtures.class.getResource("/fixtures/torchvision/manifest.json").toURI())
          .getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  public static List<Case> cases() {
    try {
      JsonNode m = new ObjectMapper().readTree(dir().resolve("manifest.json").toFile());
      List<Case> out = new ArrayList<>();
      for (JsonNode c : m.get("cases")) {
        out.add(
            new Case(
                dir().resolve(c.get("input").asText()),
                c.get("resize").asInt(),
                c.get("crop").asInt(),
                Interpolation.of(c.get("interpolation").asText()),
                c.get("resized_width").asInt(),
                c.get("resized_height").asInt(),
                c.get("crop_left").asInt(),
                c.get("crop_top").asInt(),
                dir().resolve(c.get("expected").asText())));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
