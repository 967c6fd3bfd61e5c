package org.mos.common.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.mos.common.score.FloatMatrix;

/**
 * One batch of inputs on its way through a {@link BundleScorer}: the rows, the request each range
 * of rows ({@link Part}) is scored under, the model's outputs for the plain inputs (run once, on
 * first need), what the methods computed on perturbed inputs, and the scores. Every step runs at
 * most once per pass, whichever caller asks first: {@link #runModel} runs all the model passes up
 * front (the scorer service times them as inference); {@link #score} and {@link #scores} run what
 * is still missing. Made by {@link BundleScorer#pass}; not thread-safe.
 */
public final class ScoringPass {

  /**
   * A range of consecutive rows scored under one request.
   *
   * @param request the request of these rows
   * @param rows how many rows, 1 or more
   */
  public record Part(ScoreRequest request, int rows) {
    public Part {
      Objects.requireNonNull(request, "request");
      if (rows < 1) {
        throw new IllegalArgumentException("a part of a scoring pass has " + rows + " rows");
      }
    }
  }

  private final BundleScorer scorer;
  private final BundleModel model;
  private final InputBatch batch;
  private final int count;
  private final List<Part> parts;
  private final int[] starts;
  private Map<String, FloatMatrix> plain;
  private final Map<Integer, Map<String, FloatMatrix>> plainRows = new HashMap<>();
  private final Set<String> perturbed = new HashSet<>();
  private final Map<String, Object> kept = new HashMap<>();
  private final Map<Integer, Map<String, double[]>> scores = new HashMap<>();

  ScoringPass(
      BundleScorer scorer,
      BundleModel model,
      InputBatch batch,
      List<Part> parts,
      Map<String, FloatMatrix> plain) {
    this.scorer = scorer;
    this.model = model;
    this.batch = batch;
    this.parts = List.copyOf(parts);
    if (this.parts.isEmpty()) {
      throw new IllegalArgumentException("a scoring pass needs at least one part");
    }
    this.starts = new int[this.parts.size()];
    int rows = 0;
    for (int p = 0; p < starts.length; p++) {
      starts[p] = rows;
      rows += this.parts.get(p).rows();
    }
    this.count = rows;
    this.plain = plain;
    if (plain != null) {
      FloatMatrix logits = plain.get(BundleModel.LOGITS);
      if (logits == null || logits.rows() != count) {
        throw new IllegalArgumentException(
            "the outputs of "
                + count
                + " rows need 'logits' of as many rows but have "
                + (logits == null ? "none" : logits.rows() + " rows"));
      }
    }
  }

  /** The model the pass runs on, or null when it was made from outputs computed elsewhere. */
  public BundleModel model() {
    return model;
  }

  /** The input batch (null when the pass was made from outputs). */
  public InputBatch batch() {
    return batch;
  }

  /** Rows in the pass: the sum of the parts' rows. */
  public int count() {
    return count;
  }

  /** The parts, in row order. */
  public List<Part> parts() {
    return parts;
  }

  /** The first row of part {@code part}. */
  public int start(int part) {
    return starts[part];
  }

  /** Whether part {@code part}'s request asks for the method of {@code scorer}. */
  public boolean asks(int part, MethodScorer scorer) {
    return this.scorer.resolveMethods(parts.get(part).request()).contains(scorer.id());
  }

  /** The graph outputs the plain pass returns: the union of what every part's request needs. */
  public Set<String> requiredOutputs() {
    Set<String> out = new LinkedHashSet<>();
    for (Part p : parts) {
      out.addAll(scorer.requiredOutputs(p.request()));
    }
    return out;
  }

  /** Whether the outputs of the plain inputs are there already. */
  public boolean hasPlainOutputs() {
    return plain != null;
  }

  /**
   * The model's outputs for the plain inputs, every row: {@link #requiredOutputs()} from one run of
   * the model, on the first call (or taken from a method's gradient pass that computed them, {@link
   * #offerPlainOutputs}).
   */
  public Map<String, FloatMatrix> plainOutputs() {
    if (plain == null) {
      plain = model.run(batch, count, requiredOutputs());
    }
    return plain;
  }

  /**
   * Hands over the plain outputs a method's gradient pass computed anyway (ODIN's gradient graph
   * runs the forward pass too), so that the plain pass is not run again. Ignored when they are
   * there already.
   */
  public void offerPlainOutputs(Map<String, FloatMatrix> outputs) {
    if (plain == null && outputs.keySet().containsAll(requiredOutputs())) {
      plain = Map.copyOf(outputs);
    }
  }

  /** The plain outputs restricted to the rows of part {@code part}. */
  public Map<String, FloatMatrix> plainRows(int part) {
    return plainRows.computeIfAbsent(
        part, p -> slice(plainOutputs(), starts[p], parts.get(p).rows()));
  }

  /** The input values of every row, (count, 3, side, side) in C order. */
  public float[] inputValues() {
    float[] x = new float[count * batch.floatsPerImage()];
    batch.view(count).get(x);
    return x;
  }

  /**
   * Keeps what a method computed on perturbed inputs for the whole batch (for example the logits of
   * ODIN's perturbed inputs), under the method's id.
   */
  public void keep(MethodScorer method, Object value) {
    kept.put(method.id(), value);
  }

  /**
   * What {@link #keep} kept for {@code method} (for ODIN the logits of the perturbed inputs, for
   * Mahalanobis the per-layer scores [layer][row] of the perturbed inputs), or null.
   *
   * @throws ClassCastException when it is not a {@code type}
   */
  public <T> T kept(MethodScorer method, Class<T> type) {
    return type.cast(kept.get(method.id()));
  }

  /**
   * Runs every model pass the parts need: the plain pass and each method's passes on perturbed
   * inputs (in registry order, so that ODIN's gradient graph may provide the plain outputs).
   *
   * @return this pass
   */
  public ScoringPass runModel() {
    for (MethodScorer m : scorer.methodsOf(this)) {
      runPerturbed(m);
    }
    plainOutputs();
    return this;
  }

  void runPerturbed(MethodScorer method) {
    if (perturbed.add(method.id())) {
      method.runPerturbed(this);
    }
  }

  /**
   * The scores of method {@code method} for the rows of part {@code part}, under its request
   * (running what is still missing).
   *
   * @throws IllegalArgumentException when the part's request does not resolve to the method
   */
  public double[] scores(int part, String method) {
    return scores
        .computeIfAbsent(part, p -> new LinkedHashMap<>())
        .computeIfAbsent(method, m -> scorer.scoreMethod(this, part, m));
  }

  /** The results of part {@code part}: predictions, scores and calibrated decisions. */
  public ScoredBatch score(int part) {
    return scorer.scorePart(this, part);
  }

  /** Rows {@code [from, from + rows)} of every output. */
  static Map<String, FloatMatrix> slice(Map<String, FloatMatrix> outputs, int from, int rows) {
    Map<String, FloatMatrix> out = new LinkedHashMap<>();
    outputs.forEach((name, m) -> out.put(name, rows(m, from, rows)));
    return out;
  }

  /** Rows {@code [from, from + rows)} of one matrix (the matrix itself when that is all of it). */
  static FloatMatrix rows(FloatMatrix m, int from, int rows) {
    if (from == 0 && rows == m.rows()) {
      return m;
    }
    float[] v = m.toArray();
    return FloatMatrix.wrap(
        Arrays.copyOfRange(v, from * m.cols(), (from + rows) * m.cols()), rows, m.cols());
  }

  /** Rows {@code [from, from + rows)} of scores indexed [layer][row]. */
  static double[][] rows(double[][] perLayer, int from, int rows) {
    List<double[]> out = new ArrayList<>();
    for (double[] layer : perLayer) {
      out.add(Arrays.copyOfRange(layer, from, from + rows));
    }
    return out.toArray(double[][]::new);
  }
}
