package org.mos.trainer.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.mos.common.bundle.BundleManifest;
import org.mos.common.image.Interpolation;
import picocli.CommandLine.Option;

/**
 * The preprocessing options of {@code import --onnx}: an ONNX file does not say how its images were
 * prepared, so the user does, with a {@code --preset} for the usual recipes and explicit options
 * that override it one by one.
 *
 * <ul>
 *   <li>{@code torchvision}: {@code Resize(256)} (bilinear) then {@code CenterCrop(224)}, ImageNet
 *       mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225): torchvision's ImageNet weights;
 *   <li>{@code bit}: a square bilinear resize to 480 x 480, mean and std 0.5: BiT's test
 *       preprocessing.
 * </ul>
 */
public final class ImportPreprocessing {

  /** The presets, by name. */
  enum Preset {
    TORCHVISION(224, 256, List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225)),
    BIT(480, null, List.of(0.5, 0.5, 0.5), List.of(0.5, 0.5, 0.5));

    final int inputSize;
    final Integer resize;
    final List<Double> mean;
    final List<Double> std;

    Preset(int inputSize, Integer resize, List<Double> mean, List<Double> std) {
      this.inputSize = inputSize;
      this.resize = resize;
      this.mean = mean;
      this.std = std;
    }
  }

  @Option(
      names = "--preset",
      description =
          "import --onnx: the model's preprocessing recipe: torchvision (Resize(256) + CenterCrop"
              + "(224), bilinear, ImageNet mean/std) or bit (square bilinear resize to 480, mean"
              + " and std 0.5); the options below override it one by one")
  String preset;

  @Option(
      names = "--resize",
      description =
          "import --onnx: torchvision's Resize(N): the shorter side becomes N (aspect ratio kept),"
              + " then a centre crop of --input-size; absent: a square resize to --input-size")
  Integer resize;

  @Option(
      names = "--interpolation",
      description = "import --onnx: bilinear (default) or bicubic, Pillow's antialiased filters")
  String interpolation;

  @Option(
      names = "--mean",
      description = "import --onnx: per-channel mean R,G,B (of [0, 1] pixels)")
  String mean;

  @Option(names = "--std", description = "import --onnx: per-channel std R,G,B")
  String std;

  /**
   * The resolved preprocessing.
   *
   * @param inputSize the crop side
   * @param mean the normalisation mean
   * @param std the normalisation std
   * @param preprocessing the manifest's preprocessing (null: square bilinear resize)
   */
  record Resolved(
      int inputSize,
      List<Double> mean,
      List<Double> std,
      BundleManifest.Preprocessing preprocessing) {

    /** How the manifest's preprocessing reads, for the import summary. */
    String describe() {
      String filter = preprocessing == null ? "bilinear" : preprocessing.filter().id();
      String resize =
          preprocessing != null && preprocessing.resizeShorterSide() != null
              ? "Resize("
                  + preprocessing.resizeShorterSide()
                  + ", "
                  + filter
                  + ") + CenterCrop("
                  + inputSize
                  + ")"
              : "square " + filter + " resize to " + inputSize + "x" + inputSize;
      return resize + ", mean " + mean + ", std " + std;
    }
  }

  /** Whether any option of this group was given (they only apply to {@code --onnx}). */
  boolean anyGiven() {
    return preset != null || resize != null || interpolation != null || mean != null || std != null;
  }

  /**
   * Resolves the options against {@code --input-size} and the side the graph fixes.
   *
   * @throws IllegalArgumentException naming the missing or contradicting option
   */
  Resolved resolve(Integer inputSizeOption, OptionalInt graphSide) {
    Preset p = preset == null ? null : preset(preset);
    Integer size = inputSizeOption;
    if (size == null && graphSide.isPresent()) {
      size = graphSide.getAsInt();
    }
    if (size == null && p != null) {
      size = p.inputSize;
    }
    if (size == null) {
      throw new IllegalArgumentException(
          "the graph's input has a symbolic height and width: give --input-size (the crop side)"
              + " or --preset torchvision|bit");
    }
    if (size < 1) {
      throw new IllegalArgumentException("--input-size must be positive, got " + size);
    }
    Integer side = resize;
    if (side == null && p != null && p.resize != null) {
      if (size != p.inputSize) {
        throw new IllegalArgumentException(
            "--preset "
                + preset
                + " resizes the shorter side to "
                + p.resize
                + " for its "
                + p.inputSize
                + "-pixel crop, but the crop here is "
                + size
                + (inputSizeOption == null ? " (the graph's fixed input size)" : "")
                + ": give --resize too (the model's own recipe; torchvision's ImageNet ratio is"
                + " 256/224)");
      }
      side = p.resize;
    }
    if (side != null && side < size) {
      throw new IllegalArgumentException(
          "--resize " + side + " is smaller than the crop --input-size " + size);
    }
    Interpolation filter =
        interpolation == null ? Interpolation.BILINEAR : Interpolation.of(interpolation);
    List<Double> m = mean != null ? triple("--mean", mean, false) : p == null ? null : p.mean;
    List<Double> s = std != null ? triple("--std", std, true) : p == null ? null : p.std;
    if (m == null || s == null) {
      throw new IllegalArgumentException(
          "an ONNX file does not say how its inputs were normalised: give --mean and --std (R,G,B"
              + " of [0, 1] pixels) or --preset torchvision|bit");
    }
    BundleManifest.Preprocessing pre =
        side != null
            ? new BundleManifest.Preprocessing(side, filter.id())
            : filter == Interpolation.BILINEAR
                ? null
                : new BundleManifest.Preprocessing(null, filter.id());
    return new Resolved(size, m, s, pre);
  }

  private static Preset preset(String name) {
    for (Preset p : Preset.values()) {
      if (p.name().equalsIgnoreCase(name.strip())) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "--preset " + name + ": unknown preset; expected torchvision or bit");
  }

  private static List<Double> triple(String option, String text, boolean positive) {
    String[] parts = text.split(",");
    if (parts.length != 3) {
      throw new IllegalArgumentException(
          option + " " + text + ": expected three comma-separated values R,G,B");
    }
    List<Double> values = new ArrayList<>();
    for (String part : parts) {
      double v;
      try {
        v = Double.parseDouble(part.strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            option + " " + text + ": '" + part + "' is not a number");
      }
      if (!Double.isFinite(v) || (positive && v <= 0)) {
        throw new IllegalArgumentException(
            option
                + " "
                + text
                + ": "
                + part.strip()
                + " is not a "
                + (positive ? "positive " : "")
                + "finite number");
      }
      values.add(v);
    }
    return values;
  }
}
