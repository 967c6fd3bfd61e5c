package org.mos.common.bundle;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mos.common.image.Interpolation;

/**
 * The manifest of a model bundle ({@code manifest.json}): what the graph in {@code model.onnx} is,
 * how to feed it, how to read its outputs, which fitted statistics travel with it, where it came
 * from, and a SHA-256 checksum of every other file of the bundle.
 *
 * <p>Large arrays (class means, precisions, calibration scores) are not inlined: {@link
 * #statistics} names files of the bundle ({@code .npy}) that hold them, so a manifest stays small
 * and readable.
 *
 * @param schemaVersion the manifest format version; a reader refuses versions it does not know
 * @param architecture the network, e.g. {@code BiT-S-R101x1} or a small CPU variant's name
 * @param inputSize the square input side in pixels (480 for the paper's test preprocessing)
 * @param mean per-channel normalisation mean (0.5 for BiT)
 * @param std per-channel normalisation standard deviation (0.5 for BiT)
 * @param preprocessing how images are resized and cropped to {@code inputSize}, or {@code null} for
 *     the paper's (BiT's) square bilinear resize to {@code inputSize x inputSize}; absent from the
 *     JSON in that case, so every bundle written before the field existed keeps its meaning
 * @param classNames class names in flat-label order
 * @param groupSizes group sizes in group order for a group-softmax model, or {@code null} for flat
 * @param outputs the graph's output names, e.g. {@code logits}, {@code features}, {@code block1}
 * @param statistics fitted statistics per method id (files and parameters), possibly empty
 * @param provenance free-form origin: source weights, training configuration, step
 * @param checksums SHA-256 (hex) per bundle file name, for every file except the manifest
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public record BundleManifest(
    @JsonProperty("schema_version") int schemaVersion,
    @JsonProperty("architecture") String architecture,
    @JsonProperty("input_size") int inputSize,
    @JsonProperty("mean") List<Double> mean,
    @JsonProperty("std") List<Double> std,
    @JsonProperty("preprocessing") Preprocessing preprocessing,
    @JsonProperty("class_names") List<String> classNames,
    @JsonProperty("group_sizes") List<Integer> groupSizes,
    @JsonProperty("outputs") List<String> outputs,
    @JsonProperty("statistics") Map<String, Statistics> statistics,
    @JsonProperty("provenance") Map<String, Object> provenance,
    @JsonProperty("checksums") Map<String, String> checksums) {

  /** The manifest format this code writes and reads. */
  public static final int SCHEMA_VERSION = 1;

  public BundleManifest {
    Objects.requireNonNull(architecture, "architecture");
    mean = List.copyOf(Objects.requireNonNull(mean, "mean"));
    std = List.copyOf(Objects.requireNonNull(std, "std"));
    classNames = List.copyOf(Objects.requireNonNull(classNames, "class_names"));
    groupSizes = groupSizes == null ? null : List.copyOf(groupSizes);
    outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs"));
    statistics = statistics == null ? Map.of() : Map.copyOf(statistics);
    provenance = provenance == null ? Map.of() : Map.copyOf(provenance);
    checksums = checksums == null ? Map.of() : Map.copyOf(checksums);
    if (preprocessing != null
        && preprocessing.resizeShorterSide() != null
        && preprocessing.resizeShorterSide() < inputSize) {
      throw new IllegalArgumentException(
          "preprocessing.resize_shorter_side "
              + preprocessing.resizeShorterSide()
              + " is smaller than input_size "
              + inputSize
              + ": the centre crop would not fit");
    }
  }

  /** A manifest with the default preprocessing (square bilinear resize to {@code inputSize}). */
  public BundleManifest(
      int schemaVersion,
      String architecture,
      int inputSize,
      List<Double> mean,
      List<Double> std,
      List<String> classNames,
      List<Integer> groupSizes,
      List<String> outputs,
      Map<String, Statistics> statistics,
      Map<String, Object> provenance,
      Map<String, String> checksums) {
    this(
        schemaVersion,
        architecture,
        inputSize,
        mean,
        std,
        null,
        classNames,
        groupSizes,
        outputs,
        statistics,
        provenance,
        checksums);
  }

  /** Whether the model has a group-softmax head. */
  @JsonIgnore
  public boolean isGrouped() {
    return groupSizes != null;
  }

  /** The number of logits the graph must produce: C for flat, C + K for K groups. */
  @JsonIgnore
  public int logitCount() {
    return classNames.size() + (groupSizes == null ? 0 : groupSizes.size());
  }

  /** A copy with other checksums (used by the writer). */
  public BundleManifest withChecksums(Map<String, String> newChecksums) {
    return new BundleManifest(
        schemaVersion,
        architecture,
        inputSize,
        mean,
        std,
        preprocessing,
        classNames,
        groupSizes,
        outputs,
        statistics,
        provenance,
        newChecksums);
  }

  /** A copy with statistics for one more method (or replaced ones). */
  public BundleManifest withStatistics(String method, Statistics stats) {
    Map<String, Statistics> merged = new java.util.TreeMap<>(statistics);
    merged.put(method, stats);
    return new BundleManifest(
        schemaVersion,
        architecture,
        inputSize,
        mean,
        std,
        preprocessing,
        classNames,
        groupSizes,
        outputs,
        merged,
        provenance,
        checksums);
  }

  /** A copy with other preprocessing ({@code null}: the default square bilinear resize). */
  public BundleManifest withPreprocessing(Preprocessing newPreprocessing) {
    return new BundleManifest(
        schemaVersion,
        architecture,
        inputSize,
        mean,
        std,
        newPreprocessing,
        classNames,
        groupSizes,
        outputs,
        statistics,
        provenance,
        checksums);
  }

  /**
   * How a bundle's images are brought to {@code input_size x input_size} when it is not the default
   * square resize: torchvision's {@code Resize(resize_shorter_side)} then {@code
   * CenterCrop(input_size)}, with Pillow's antialiased {@code interpolation}.
   *
   * @param resizeShorterSide the shorter side's length after resizing (aspect ratio kept), at least
   *     {@code input_size}; {@code null}: square resize to {@code input_size}, no crop
   * @param interpolation {@code bilinear} or {@code bicubic}; {@code null} means {@code bilinear}
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Preprocessing(
      @JsonProperty("resize_shorter_side") Integer resizeShorterSide,
      @JsonProperty("interpolation") String interpolation) {
    public Preprocessing {
      if (resizeShorterSide != null && resizeShorterSide <= 0) {
        throw new IllegalArgumentException(
            "preprocessing.resize_shorter_side must be positive, got " + resizeShorterSide);
      }
      if (interpolation != null) {
        try {
          Interpolation.of(interpolation);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("preprocessing.interpolation: " + e.getMessage(), e);
        }
      }
    }

    /** The filter to resize with: {@link #interpolation}, bilinear when absent. */
    @JsonIgnore
    public Interpolation filter() {
      return interpolation == null ? Interpolation.BILINEAR : Interpolation.of(interpolation);
    }
  }

  /**
   * Fitted statistics of one method.
   *
   * @param files role -> bundle file name, e.g. {@code class_means -> kl_class_means.npy}
   * @param parameters scalar choices of the fit, e.g. {@code labels: true}
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Statistics(
      @JsonProperty("files") Map<String, String> files,
      @JsonProperty("parameters") Map<String, Object> parameters) {
    public Statistics {
      files = files == null ? Map.of() : Map.copyOf(files);
      parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
    }
  }
}
