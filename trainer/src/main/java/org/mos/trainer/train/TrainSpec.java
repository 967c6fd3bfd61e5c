package org.mos.trainer.train;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Everything a finetuning run needs, with the paper's defaults: the options of {@code trainer
 * train} and, field for field, the JSON body of {@code POST /v1/jobs}. Unset optional values are
 * null. {@link #validate()} checks the values that can be checked without reading data.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrainSpec {

  @Option(
      names = "--train",
      required = true,
      description =
          "Training images: an ImageFolder tree or a list file (path label | path group index).")
  public String train;

  @Option(
      names = "--train-root",
      description = "Folder list-file paths are relative to (default: the list's folder).")
  public String trainRoot;

  @Option(names = "--val", description = "Validation images: an ImageFolder tree or a list file.")
  public String val;

  @Option(names = "--val-root", description = "Folder the --val list's paths are relative to.")
  public String valRoot;

  @Option(
      names = {"--arch", "--architecture"},
      description =
          "R50x1 .. R152x4, optionally BiT-S-/BiT-M- prefixed (default ${DEFAULT-VALUE}).")
  public String arch = "BiT-S-R101x1";

  @Option(
      names = "--units",
      split = ",",
      description = "Units per block, overriding the architecture.")
  public int[] units;

  @Option(
      names = "--base-width",
      description = "Stem width before the width factor (default ${DEFAULT-VALUE}).")
  public int baseWidth = 64;

  @Option(names = "--weights", description = "BiT .npz to start from (head zeroed).")
  public String weights;

  @Option(
      names = "--mode",
      description = "group (MOS group softmax) or flat (default ${DEFAULT-VALUE}).")
  public String mode = "group";

  @Option(
      names = "--groups",
      description = "Group sizes (398,521,9,7,52,8,3,2) or a file: .npy, .json, taxonomy .tsv.")
  public String groups;

  @Option(
      names = "--classes",
      description = "Flat mode without --groups: number of classes (default: class folders).")
  public Integer classes;

  @Option(
      names = "--steps",
      description =
          "Steps; the HyperRule's boundaries are scaled to it (default: by dataset size).")
  public Integer steps;

  @Option(
      names = "--schedule",
      split = ",",
      description = "Explicit step boundaries (last = number of steps).")
  public int[] schedule;

  @Option(
      names = "--dataset-size",
      description = "Dataset size the HyperRule uses (default: images in --train).")
  public Long datasetSize;

  @Option(names = "--batch", description = "Examples per step (default ${DEFAULT-VALUE}).")
  public int batch = 512;

  @Option(
      names = "--batch-split",
      description = "Micro-batches per step (default ${DEFAULT-VALUE}).")
  public int batchSplit = 1;

  @Option(names = "--base-lr", description = "Peak learning rate (default 0.003 * batch / 512).")
  public Double baseLr;

  @Option(names = "--mixup", description = "Mixup alpha (default: 0.1 from 20k images, else 0).")
  public Double mixup;

  @Option(
      names = "--num-block-open",
      description =
          "-1 all, 0 head only (the paper), 1..4 the last n blocks (default ${DEFAULT-VALUE}).")
  public int numBlockOpen = 0;

  @Option(
      names = "--seed",
      description = "Seed of data order, crops, flips, mixup, init (default ${DEFAULT-VALUE}).")
  public long seed = 0;

  @Option(
      names = "--resize",
      description = "Training resize (default: BiT's rule, 512, or 160 for images under 96x96).")
  public Integer resize;

  @Option(
      names = "--crop",
      description = "Training random crop and test size (default: BiT's rule, 480 or 128).")
  public Integer crop;

  // picocli sets a negatable option whose default is true to the *opposite* of its default on the
  // positive form (--flip gave false) unless the fallback value says true: measured, PITFALLS
  @Option(
      names = "--flip",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Random horizontal flip: --flip (default) or --no-flip.")
  public boolean flip = true;

  @Option(
      names = "--bad-files",
      description = "Unreadable images: skip or fail (default ${DEFAULT-VALUE}).")
  public String badFiles = "skip";

  @Option(
      names = "--devices",
      description =
          "auto (every GPU, else the CPU; default), cpu, gpu, or gpu0,gpu1,...; several devices"
              + " split each step's micro-batches (set --batch-split to a multiple of them).")
  public String devices = "auto";

  @Option(names = "--threads", description = "Image decoding threads (default: processors).")
  public Integer threads;

  @Option(
      names = "--out",
      description =
          "Output folder: checkpoint.npz, metrics.jsonl, layout.json, model.json, spec.json.")
  public String out;

  @Option(names = "--resume", description = "Continue from --out/checkpoint.npz when it exists.")
  public boolean resume;

  @Option(
      names = "--checkpoint-every",
      description = "Steps between checkpoints (default ${DEFAULT-VALUE}).")
  public int checkpointEvery = 100;

  @Option(
      names = "--val-every",
      description = "Steps between validations; 0 = only at the end (default ${DEFAULT-VALUE}).")
  public int valEvery = 0;

  @Option(
      names = "--log-every",
      description = "Steps between progress lines and metrics lines (default ${DEFAULT-VALUE}).")
  public int logEvery = 10;

  @Option(
      names = "--backbone",
      description =
          "Train only a new head on the frozen features of this bundle (folder or .zip) instead"
              + " of finetuning a BiT network; the result is exported as a bundle.")
  public String backbone;

  @Option(
      names = "--feature-cache",
      description =
          "With --backbone: folder of the cached features (default: OUT/features); reused when"
              + " bundle, image files and preprocessing match; other caches in a given folder are"
              + " kept.")
  public String featureCache;

  @Option(
      names = "--extract-batch",
      description = "With --backbone: images per ONNX Runtime run (default ${DEFAULT-VALUE}).")
  public int extractBatch = 32;

  @Option(
      names = "--export",
      description = "With --backbone: the new bundle's folder (default: OUT/bundle).")
  public String export;

  @JsonIgnore private final List<String> unknown = new ArrayList<>();

  /** JSON properties that are not fields of the spec: reported by {@link #validate()}. */
  @JsonAnySetter
  void unknownProperty(String name, Object value) {
    unknown.add(name);
  }

  /** Whether the group softmax is used. */
  @JsonIgnore
  public boolean grouped() {
    return "group".equals(mode.toLowerCase(Locale.ROOT));
  }

  /**
   * Checks the values that need no data.
   *
   * @throws IllegalArgumentException with a one-line reason naming the field and the value
   */
  public void validate() {
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown field(s) " + unknown);
    }
    require(train != null && !train.isBlank(), "train is required (an image folder or list file)");
    require(
        mode != null && List.of("group", "flat").contains(mode.toLowerCase(Locale.ROOT)),
        "mode must be group or flat, got " + mode);
    require(!grouped() || groups != null, "mode group needs groups (sizes or a layout file)");
    require(
        batch >= 1 && batchSplit >= 1 && batch % batchSplit == 0,
        "batch " + batch + " must be a positive multiple of batch split " + batchSplit);
    require(steps == null || steps >= 1, "steps must be at least 1, got " + steps);
    require(
        numBlockOpen >= -1 && numBlockOpen <= 4,
        "num block open must be -1..4, got " + numBlockOpen);
    require(
        badFiles != null && List.of("skip", "fail").contains(badFiles.toLowerCase(Locale.ROOT)),
        "bad files must be skip or fail, got " + badFiles);
    require(checkpointEvery >= 1, "checkpoint every must be at least 1, got " + checkpointEvery);
    require(logEvery >= 1, "log every must be at least 1, got " + logEvery);
    require(valEvery >= 0, "val every must not be negative, got " + valEvery);
    require(classes == null || classes >= 1, "classes must be at least 1, got " + classes);
    require(resize == null || resize >= 1, "resize must be positive, got " + resize);
    require(
        crop == null || (crop >= 1 && (resize == null || crop <= resize)),
        "crop must be positive and at most resize, got " + crop);
    require(baseLr == null || baseLr > 0, "base lr must be positive, got " + baseLr);
    require(mixup == null || mixup >= 0, "mixup must not be negative, got " + mixup);
    require(extractBatch >= 1, "extract batch must be at least 1, got " + extractBatch);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
