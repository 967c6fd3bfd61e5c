package org.mos.trainer.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.mos.common.data.DatasetException;
import org.mos.common.data.ImageFolder;
import org.mos.common.image.BadFilePolicy;
import org.mos.common.image.ImageDecodeException;
import org.mos.common.image.ImageDecoder;
import org.mos.common.image.PreprocessSpec;
import org.mos.common.image.RgbImage;
import org.mos.common.layout.GroupLayout;
import org.mos.trainer.data.LabelledImages;
import org.mos.trainer.data.StreamedImages;

/**
 * What a {@link TrainSpec} resolves to before training: the class layout, the model's layout, the
 * training and validation data, the preprocessing and the schedule. Reads list files and folder
 * trees (paths and labels only) and decodes one image for BiT's small-image rule.
 *
 * @param layout the classes and their groups (also in flat mode, when groups were given)
 * @param modelLayout the head: {@code layout} in group mode, a flat layout of its classes otherwise
 * @param val validation data, or null
 */
public record RunInputs(
    GroupLayout layout,
    GroupLayout modelLayout,
    StreamedImages train,
    StreamedImages val,
    HyperRule rule) {

  /**
   * Resolves a validated spec.
   *
   * @throws DatasetException or IllegalArgumentException with a one-line reason for bad input
   */
  public static RunInputs resolve(TrainSpec spec) throws IOException {
    GroupLayout layout = layout(spec);
    boolean grouped = spec.grouped();
    GroupLayout modelLayout = grouped ? layout : GroupLayout.flat(layout.numClasses());
    LabelledImages trainSet =
        LabelledImages.read(Path.of(spec.train), path(spec.trainRoot), layout, grouped);
    if (trainSet.size() == 0) {
      throw new DatasetException(spec.train + " holds no images");
    }
    PreprocessSpec trainSpec = trainPreprocessing(spec, trainSet.paths().get(0));
    BadFilePolicy policy = BadFilePolicy.valueOf(spec.badFiles.toUpperCase(Locale.ROOT));
    int threads = spec.threads != null ? spec.threads : Runtime.getRuntime().availableProcessors();
    StreamedImages train = new StreamedImages(trainSet, trainSpec, policy, threads);
    StreamedImages val = null;
    if (spec.val != null) {
      LabelledImages valSet =
          LabelledImages.read(Path.of(spec.val), path(spec.valRoot), layout, grouped);
      val = new StreamedImages(valSet, PreprocessSpec.test(trainSpec.crop()), policy, threads);
    }
    return new RunInputs(layout, modelLayout, train, val, rule(spec, trainSet.size()));
  }

  /** The class layout a spec names: its groups, its class count, or the class folders. */
  public static GroupLayout layout(TrainSpec spec) throws IOException {
    if (spec.groups != null) {
      Path file = Path.of(spec.groups);
      GroupLayout layout;
      if (Files.isRegularFile(file)) {
        layout = GroupLayout.read(file);
      } else if (spec.groups.matches("[0-9,\\s]+")) {
        layout = GroupLayout.ofSizes(spec.groups);
      } else {
        throw new IllegalArgumentException(
            "groups '" + spec.groups + "' is neither a file nor a list of group sizes");
      }
      if (spec.classes != null && spec.classes != layout.numClasses()) {
        throw new IllegalArgumentException(
            "classes " + spec.classes + " but the groups hold " + layout.numClasses());
      }
      return layout;
    }
    if (spec.classes != null) {
      return GroupLayout.flat(spec.classes);
    }
    Path train = Path.of(spec.train);
    if (!Files.exists(train)) {
      throw new DatasetException(
          spec.train + " does not exist: expected an ImageFolder directory or a list file");
    }
    if (Files.isDirectory(train)) {
      return GroupLayout.flat(ImageFolder.read(train).classNames().size());
    }
    throw new IllegalArgumentException(
        "flat mode on the list file " + spec.train + " needs classes or groups");
  }

  /** The spec's sizes, or BiT's rule from the first training image's size. */
  static PreprocessSpec trainPreprocessing(TrainSpec spec, Path firstImage) {
    int resize;
    int crop;
    if (spec.resize != null || spec.crop != null) {
      resize = spec.resize != null ? spec.resize : spec.crop;
      crop = spec.crop != null ? spec.crop : resize;
    } else {
      RgbImage image;
      try {
        image = ImageDecoder.pillowCompatible().decode(firstImage);
      } catch (ImageDecodeException e) {
        throw new DatasetException(
            "cannot read the first training image to pick BiT's image size: "
                + e.getMessage()
                + " (give resize and crop)");
      }
      PreprocessSpec bit = PreprocessSpec.bitTrain(image.width(), image.height());
      resize = bit.resize();
      crop = bit.crop();
    }
    return PreprocessSpec.builder()
        .setResize(resize)
        .optCrop(crop)
        .optRandomFlip(spec.flip)
        .build();
  }

  /** BiT-HyperRule for the spec and {@code trainSize} examples, with the spec's overrides. */
  public static HyperRule rule(TrainSpec spec, int trainSize) {
    HyperRule rule =
        HyperRule.forDataset(spec.datasetSize != null ? spec.datasetSize : trainSize, spec.batch);
    if (spec.schedule != null) {
      rule = rule.withSupports(spec.schedule);
    } else if (spec.steps != null) {
      rule = rule.withTotalSteps(spec.steps);
    }
    if (spec.baseLr != null) {
      rule = rule.withBaseLearningRate(spec.baseLr);
    }
    return spec.mixup != null ? rule.withMixupAlpha(spec.mixup) : rule;
  }

  private static Path path(String s) {
    return s == null ? null : Path.of(s);
  }
}
