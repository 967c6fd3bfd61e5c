package org.mos.common.data.demo;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import org.mos.common.data.DatasetException;
import org.mos.common.data.FashionMnist;

/**
 * The built-in demo benchmark: an in-distribution classification task with a group taxonomy plus
 * near- and far-OOD sets, written as ordinary image folders so that every reader and command of the
 * suite can use it. Nothing is downloaded; the same options give byte-identical files.
 *
 * <p>Layout of the folder it writes: {@code train/CLASS/*.png}, {@code val/CLASS/*.png}, {@code
 * test/CLASS/*.png}, {@code ood/SET/*.png}, {@code taxonomy.tsv} (the format of the ImageNet
 * taxonomy table), {@code groups.json} (group sizes), the list files {@code
 * {train,val,test}_{flat,group}.txt} and a {@code README.md}. See {@link DemoTaxonomy} for why flat
 * and group labels agree.
 *
 * <pre>{@code
 * DemoSummary s = DemoBenchmark.builder().setOut(Path.of("demo")).optSeed(7).build().write();
 * }</pre>
 */
public final class DemoBenchmark {

  /** Where the images come from. */
  public enum Source {
    /** Shapes drawn with Java2D: works everywhere. */
    GENERATED("generated"),
    /** Fashion-MNIST from Debian's {@code dataset-fashion-mnist} package or a given folder. */
    FASHION_MNIST("fashion-mnist");

    private final String id;

    Source(String id) {
      this.id = id;
    }

    /** The id the command line uses. */
    public String id() {
      return id;
    }

    /** The source with command-line id {@code id}; fails naming the known ids. */
    public static Source of(String id) {
      for (Source s : values()) {
        if (s.id.equals(id.toLowerCase(Locale.ROOT))) {
          return s;
        }
      }
      throw new IllegalArgumentException(
          "unknown demo source '" + id + "': expected generated or fashion-mnist");
    }
  }

  /** Receives progress while images are written; called on the writing thread. */
  @FunctionalInterface
  public interface Progress {
    /**
     * @param done images written so far
     * @param total images to write
     */
    void update(int done, int total);
  }

  /** The largest scale factor (the Fashion-MNIST counts run out beyond it anyway). */
  public static final double MAX_SCALE = 20;

  private final Path out;
  private final Source source;
  private final long seed;
  private final double scale;
  private final int imageSize;
  private final Path fashionMnistDirectory;
  private final boolean overwrite;
  private final Progress progress;

  private DemoBenchmark(Builder b) {
    this.out = b.out;
    this.source = b.source;
    this.seed = b.seed;
    this.scale = b.scale;
    this.imageSize = b.imageSize;
    this.fashionMnistDirectory = b.fashionMnistDirectory;
    this.overwrite = b.overwrite;
    this.progress = b.progress;
  }

  /** A new builder; {@link Builder#setOut} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Writes the benchmark: builds it in a temporary folder next to the target, then renames it.
   *
   * @throws DatasetException when the target exists (and overwriting was not asked for), or the
   *     Fashion-MNIST files are missing
   * @throws java.io.UncheckedIOException when writing fails
   */
  public DemoSummary write() {
    DemoBenchmarkWriter.checkTarget(out, overwrite);
    DemoSource src =
        switch (source) {
          case GENERATED -> new GeneratedSource(seed, scale, imageSize);
          case FASHION_MNIST -> new FashionMnistSource(fashionMnistDirectory, seed, scale);
        };
    int size = source == Source.GENERATED ? imageSize : 28;
    return new DemoBenchmarkWriter(src, out, seed, scale, size, overwrite, progress).write();
  }

  /** {@code base * scale} rounded, at least 1. */
  static int scaled(int base, double scale) {
    return (int) Math.max(1, Math.round(base * scale));
  }

  /** Builder: {@code setOut} required, everything else optional. */
  public static final class Builder {
    private Path out;
    private Source source = Source.GENERATED;
    private long seed = 1;
    private double scale = 1.0;
    private int imageSize = 32;
    private Path fashionMnistDirectory = FashionMnist.defaultDirectory();
    private boolean overwrite;
    private Progress progress = (done, total) -> {};

    private Builder() {}

    /** The folder to create. */
    public Builder setOut(Path out) {
      this.out = out;
      return this;
    }

    /** The image source (default {@link Source#GENERATED}). */
    public Builder optSource(Source source) {
      this.source = Objects.requireNonNull(source, "source");
      return this;
    }

    /** The seed (default 1). */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * The factor applied to every image count (default 1.0; > 0, at most {@value
     * DemoBenchmark#MAX_SCALE}); counts round to the nearest integer, at least 1.
     */
    public Builder optScale(double scale) {
      this.scale = scale;
      return this;
    }

    /** The side of the generated images in pixels (default 32; Fashion-MNIST is always 28). */
    public Builder optImageSize(int imageSize) {
      this.imageSize = imageSize;
      return this;
    }

    /** Where the Fashion-MNIST files are (default: the Debian package's folder). */
    public Builder optFashionMnistDirectory(Path dir) {
      this.fashionMnistDirectory = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /** Whether an existing target folder is replaced (default false: it is an error). */
    public Builder optOverwrite(boolean overwrite) {
      this.overwrite = overwrite;
      return this;
    }

    /** Receives progress (default: nothing). */
    public Builder optProgress(Progress progress) {
      this.progress = Objects.requireNonNull(progress, "progress");
      return this;
    }

    /** Checks the options and builds. */
    public DemoBenchmark build() {
      if (out == null) {
        throw new IllegalStateException("the output folder is required (setOut)");
      }
      if (!(scale > 0 && scale <= MAX_SCALE)) {
        throw new IllegalArgumentException(
            "scale must be > 0 and <= " + MAX_SCALE + ", got " + scale);
      }
      if (imageSize < 16 || imageSize > 256) {
        throw new IllegalArgumentException(
            "image size must be between 16 and 256 pixels, got " + imageSize);
      }
      return new DemoBenchmark(this);
    }
  }
}
