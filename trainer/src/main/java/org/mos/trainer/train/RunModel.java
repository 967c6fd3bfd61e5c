package org.mos.trainer.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.mos.common.data.ImageFolder;
import org.mos.common.io.AtomicFiles;
import org.mos.common.layout.GroupLayout;
import org.mos.trainer.export.ResNetV2Spec;
import org.mos.trainer.model.BitArchitecture;

/**
 * What a training run's checkpoint is, written by {@link TrainingRun} as {@code model.json} next to
 * {@code checkpoint.npz}, so that {@code export} needs no option the run already knew: the network,
 * the head with its class names in label order, and the preprocessing it trained with.
 *
 * @param architecture the network as {@code export --arch} reads it: the BiT name given to {@code
 *     train} when units and width are that architecture's, else {@code units=A,B,C,D/width=W}
 * @param units units in each of the four blocks
 * @param stemWidth output channels of the stem (base width times BiT's width factor)
 * @param head {@code group} or {@code flat}
 * @param layout the head's layout, with the class names in flat label order when the run knew them
 *     (class folders of an ImageFolder tree, or the names of a class table)
 * @param inputSize the square side of the test preprocessing: the training crop
 * @param resize the side training images were resized to before the random crop
 * @param crop the training random crop
 * @param flip whether training flipped images at random
 * @param mean per-channel mean subtracted after scaling pixels to [0, 1]
 * @param std per-channel divisor after the mean
 */
@JsonPropertyOrder({
  "architecture",
  "units",
  "stem_width",
  "head",
  "layout",
  "input_size",
  "resize",
  "crop",
  "flip",
  "mean",
  "std"
})
public record RunModel(
    @JsonProperty("architecture") String architecture,
    @JsonProperty("units") int[] units,
    @JsonProperty("stem_width") int stemWidth,
    @JsonProperty("head") String head,
    @JsonProperty("layout") GroupLayout layout,
    @JsonProperty("input_size") int inputSize,
    @JsonProperty("resize") int resize,
    @JsonProperty("crop") int crop,
    @JsonProperty("flip") boolean flip,
    @JsonProperty("mean") float[] mean,
    @JsonProperty("std") float[] std) {

  /** The file name under the run's output folder. */
  public static final String FILE = "model.json";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public RunModel {
    units = units.clone();
    if (architecture == null || layout == null || head == null) {
      throw new IllegalArgumentException(
          "a run's model needs architecture, head and layout, got "
              + architecture
              + ", "
              + head
              + ", "
              + layout);
    }
  }

  @Override
  public int[] units() {
    return units.clone();
  }

  /** The model a resolved run trains. */
  static RunModel of(TrainSpec spec, RunInputs inputs) {
    BitArchitecture bit = BitArchitecture.parse(spec.arch);
    int[] units = spec.units != null ? spec.units.clone() : bit.units();
    GroupLayout head = inputs.modelLayout();
    ResNetV2Spec shape =
        new ResNetV2Spec(units, spec.baseWidth * bit.widthFactor(), head.numLogits());
    ResNetV2Spec named = ResNetV2Spec.parse(spec.arch, head.numLogits());
    // the name as given when it is the shape trained (BiT-S-R101x1 stays that), else the shape
    String architecture =
        Arrays.equals(named.units(), shape.units()) && named.stemWidth() == shape.stemWidth()
            ? spec.arch
            : shape.architectureName();
    var preprocessing = inputs.train().spec();
    return new RunModel(
        architecture,
        units,
        shape.stemWidth(),
        spec.grouped() ? "group" : "flat",
        named(head, inputs.layout(), spec),
        preprocessing.crop(),
        preprocessing.resize(),
        preprocessing.crop(),
        preprocessing.randomFlip(),
        preprocessing.mean(),
        preprocessing.std());
  }

  /**
   * The head with class names: the run's layout's (a class table), else the class folders of an
   * ImageFolder tree, which are the flat labels in sorted order as {@code LabelledImages} reads
   * them; a list file without a table leaves the classes unnamed.
   */
  public static GroupLayout named(GroupLayout head, GroupLayout classes, TrainSpec spec) {
    List<String> names = classes.classNames();
    if (names.isEmpty() && Files.isDirectory(Path.of(spec.train))) {
      names = ImageFolder.read(Path.of(spec.train)).classNames();
    }
    return names.isEmpty() ? head : head.withClassNames(names);
  }

  /** Writes {@code dir/model.json}. */
  void write(Path dir) throws IOException {
    AtomicFiles.write(dir.resolve(FILE), JSON.writeValueAsBytes(this));
  }

  /**
   * The model recorded in a run folder, if the run wrote one.
   *
   * @throws IOException naming the file when it exists but cannot be read as a run's model
   */
  public static Optional<RunModel> read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(file.toFile(), RunModel.class));
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException(
          file + " is not a training run's model description: " + e.getMessage(), e);
    }
  }
}
