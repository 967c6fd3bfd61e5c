package org.mos.common.score;

import org.mos.common.layout.GroupLayout;

/**
 * What the score methods may need beyond the model outputs: the group layout, a temperature and
 * fitted statistics. Immutable; build with {@link #builder()}. A method checks on creation that
 * what it needs is there.
 *
 * @param layout the group layout (needed by {@code mos}), or null
 * @param temperature the temperature of {@code energy} and {@code odin}, or null for each method's
 *     default (1 and 1000)
 * @param klMeans fitted class-mean softmax vectors (needed by {@code kl}), or null
 * @param mahalanobis fitted Mahalanobis statistics (needed by {@code mahalanobis}), or null
 * @param vim fitted ViM statistics (needed by {@code vim}), or null
 * @param knnBank the fitted KNN feature bank (needed by {@code knn}), or null
 * @param knnK KNN's K, or null for {@link KnnScore#DEFAULT_K}
 */
public record ScoreSettings(
    GroupLayout layout,
    Double temperature,
    KlClassMeans klMeans,
    MahalanobisStatistics mahalanobis,
    VimStatistics vim,
    KnnBank knnBank,
    Integer knnK) {

  /** No layout, default temperatures, no fitted statistics. */
  public static ScoreSettings none() {
    return new ScoreSettings(null, null, null, null, null, null, null);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link ScoreSettings}. */
  public static final class Builder {
    private GroupLayout layout;
    private Double temperature;
    private KlClassMeans klMeans;
    private MahalanobisStatistics mahalanobis;
    private VimStatistics vim;
    private KnnBank knnBank;
    private Integer knnK;

    private Builder() {}

    public Builder layout(GroupLayout layout) {
      this.layout = layout;
      return this;
    }

    public Builder temperature(Double temperature) {
      this.temperature = temperature;
      return this;
    }

    public Builder klMeans(KlClassMeans klMeans) {
      this.klMeans = klMeans;
      return this;
    }

    public Builder mahalanobis(MahalanobisStatistics mahalanobis) {
      this.mahalanobis = mahalanobis;
      return this;
    }

    public Builder vim(VimStatistics vim) {
      this.vim = vim;
      return this;
    }

    public Builder knnBank(KnnBank knnBank) {
      this.knnBank = knnBank;
      return this;
    }

    public Builder knnK(Integer knnK) {
      this.knnK = knnK;
      return this;
    }

    public ScoreSettings build() {
      return new ScoreSettings(layout, temperature, klMeans, mahalanobis, vim, knnBank, knnK);
    }
  }
}
