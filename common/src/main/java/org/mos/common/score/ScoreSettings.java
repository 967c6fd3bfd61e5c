package org.mos.common.score;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mos.common.layout.GroupLayout;

/**
 * What the score methods may need beyond the model outputs: the group layout, a temperature, fitted
 * statistics, the classifier head and the methods' stored parameters. Immutable; build with {@link
 * #builder()}. A method checks on creation that what it needs is there.
 *
 * @param layout the group layout (needed by {@code mos}), or null
 * @param temperature the temperature of {@code energy} and {@code odin}, or null for each method's
 *     default (1 and 1000)
 * @param klMeans fitted class-mean softmax vectors (needed by {@code kl}), or null
 * @param mahalanobis fitted Mahalanobis statistics (needed by {@code mahalanobis}), or null
 * @param vim fitted ViM statistics (needed by {@code vim}), or null
 * @param knnBank the fitted KNN feature bank (needed by {@code knn}), or null
 * @param knnK KNN's K, or null for {@link KnnScore#DEFAULT_K}
 * @param knnIndex KNN's approximate index over the bank ({@code mos fit --knn-index hnsw}), or null
 *     for the exact search
 * @param head the classifier head's W and b (needed by the activation-shaping methods), or null
 * @param diceMean DICE's fitted mean penultimate feature, or null
 * @param parameters per method id, the parameters the bundle stores for it ({@link
 *     ScoreMethod#parameterNames}: ReAct's fitted {@code clip}, a searched {@code p}, GEN's {@code
 *     gamma} and {@code m}); a method's own default stands for a missing one
 */
public record ScoreSettings(
    GroupLayout layout,
    Double temperature,
    KlClassMeans klMeans,
    MahalanobisStatistics mahalanobis,
    VimStatistics vim,
    KnnBank knnBank,
    Integer knnK,
    KnnIndex knnIndex,
    HeadWeights head,
    double[] diceMean,
    Map<String, Map<String, Double>> parameters) {

  public ScoreSettings {
    Map<String, Map<String, Double>> copy = new LinkedHashMap<>();
    if (parameters != null) {
      parameters.forEach((k, v) -> copy.put(k, Map.copyOf(v)));
    }
    parameters = Map.copyOf(copy);
    diceMean = diceMean == null ? null : diceMean.clone();
  }

  /** Settings without head, DICE mean or stored parameters. */
  public ScoreSettings(
      GroupLayout layout,
      Double temperature,
      KlClassMeans klMeans,
      MahalanobisStatistics mahalanobis) {
    this(layout, temperature, klMeans, mahalanobis, null, null, null, null, null, null, Map.of());
  }

  /** No layout, default temperatures, no fitted statistics. */
  public static ScoreSettings none() {
    return new ScoreSettings(null, null, null, null);
  }

  /** The parameters stored for method {@code id} (empty when none). */
  public Map<String, Double> parametersOf(String id) {
    return parameters.getOrDefault(id, Map.of());
  }

  @Override
  public double[] diceMean() {
    return diceMean == null ? null : diceMean.clone();
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
    private KnnIndex knnIndex;
    private HeadWeights head;
    private double[] diceMean;
    private final Map<String, Map<String, Double>> parameters = new LinkedHashMap<>();

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

    public Builder knnIndex(KnnIndex knnIndex) {
      this.knnIndex = knnIndex;
      return this;
    }

    public Builder knnK(Integer knnK) {
      this.knnK = knnK;
      return this;
    }

    public Builder head(HeadWeights head) {
      this.head = head;
      return this;
    }

    public Builder diceMean(double[] diceMean) {
      this.diceMean = diceMean;
      return this;
    }

    /** Stored parameters of method {@code id} (replacing earlier ones of it). */
    public Builder parameters(String id, Map<String, Double> values) {
      this.parameters.put(id, Map.copyOf(values));
      return this;
    }

    public ScoreSettings build() {
      return new ScoreSettings(
          layout,
          temperature,
          klMeans,
          mahalanobis,
          vim,
          knnBank,
          knnK,
          knnIndex,
          head,
          diceMean,
          parameters);
    }
  }
}
