package org.mos.common.score;

import io.github.jbellis.jvector.disk.MappedChunkReader;
import io.github.jbellis.jvector.disk.ReaderSupplier;
import io.github.jbellis.jvector.graph.GraphIndexBuilder;
import io.github.jbellis.jvector.graph.GraphSearcher;
import io.github.jbellis.jvector.graph.ImmutableGraphIndex;
import io.github.jbellis.jvector.graph.RandomAccessVectorValues;
import io.github.jbellis.jvector.graph.SearchResult;
import io.github.jbellis.jvector.graph.disk.OnDiskGraphIndex;
import io.github.jbellis.jvector.graph.similarity.BuildScoreProvider;
import io.github.jbellis.jvector.util.Bits;
import io.github.jbellis.jvector.vector.VectorSimilarityFunction;
import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.github.jbellis.jvector.vector.types.VectorTypeSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * KNN's approximate index over a {@link KnnBank}: an HNSW graph (jvector's {@code
 * GraphIndexBuilder}, Euclidean similarity, the DiskANN-style hierarchical graph), built at fit
 * time ({@code mos fit --knn-index hnsw}), stored in the bundle next to the bank and memory-mapped
 * when opened (jvector's {@code OnDiskGraphIndex} over a {@code MappedChunkReader}). A search
 * visits a few hundred rows instead of the whole bank, for banks whose exact search reads too much;
 * the rows it returns are the approximate K nearest, and {@link KnnScore} then computes the
 * distance of the farthest of them exactly as the exact search computes its K-th. Thread-safe: each
 * search takes its own view of the graph.
 */
public final class KnnIndex implements AutoCloseable {

  /** HNSW's default maximum degree M (faiss' and jvector's usual 16; the base layer has 2 M). */
  public static final int DEFAULT_M = 16;

  /** The default beam width at construction (efConstruction). */
  public static final int DEFAULT_EF_CONSTRUCTION = 100;

  /** The default beam width of a search (efSearch; at least K is used). */
  public static final int DEFAULT_EF_SEARCH = 200;

  private static final VectorTypeSupport VECTORS =
      VectorizationProvider.getInstance().getVectorTypeSupport();

  private final Path file;
  private final KnnBank bank;
  private final ReaderSupplier reader;
  private final OnDiskGraphIndex graph;
  private final int efSearch;

  private KnnIndex(
      Path file, KnnBank bank, ReaderSupplier reader, OnDiskGraphIndex graph, int efSearch) {
    this.file = file;
    this.bank = bank;
    this.reader = reader;
    this.graph = graph;
    this.efSearch = efSearch;
  }

  /**
   * Builds the HNSW graph of {@code bank} and writes it to {@code target} (jvector's on-disk
   * format; the caller moves it into place atomically).
   *
   * @param m the maximum degree (2 M on the base layer, as faiss' {@code IndexHNSWFlat})
   * @param efConstruction the beam width while inserting
   * @throws IllegalArgumentException naming a parameter below its minimum
   */
  public static void build(KnnBank bank, int m, int efConstruction, Path target)
      throws IOException {
    if (m < 2) {
      throw new IllegalArgumentException("knn index: M is " + m + "; expected 2 or more");
    }
    if (efConstruction < 1) {
      throw new IllegalArgumentException(
          "knn index: efConstruction is " + efConstruction + "; expected 1 or more");
    }
    RandomAccessVectorValues rows = new BankVectors(bank);
    // degree 2 M on the base layer and M above it, as faiss' IndexHNSWFlat(d, M); this (deprecated)
    // constructor is the one that sets the hierarchy explicitly, which 4.0.2's builder cannot;
    // neighbour overflow and alpha are jvector's usual 1.2
    try (GraphIndexBuilder builder =
        new GraphIndexBuilder(
            BuildScoreProvider.randomAccessScoreProvider(rows, VectorSimilarityFunction.EUCLIDEAN),
            bank.dims(),
            List.of(2 * m, m),
            efConstruction,
            1.2f,
            1.2f,
            true,
            true)) {
      ImmutableGraphIndex built = builder.build(rows);
      OnDiskGraphIndex.write(built, rows, target);
    }
  }

  /**
   * Opens (memory-maps) the index of {@code bank} from {@code file}.
   *
   * @param efSearch the search's beam width (at least K is used)
   * @throws IOException naming the file when it is missing, unreadable as a jvector graph, or of
   *     another bank (other rows or width), and the fit option that rebuilds it
   */
  public static KnnIndex open(Path file, KnnBank bank, int efSearch) throws IOException {
    if (efSearch < 1) {
      throw new IllegalArgumentException(
          "knn index: efSearch is " + efSearch + "; expected 1 or more");
    }
    if (!Files.isRegularFile(file)) {
      throw new IOException(
          file + ": the KNN index file is missing (rebuild it with mos fit --knn-index hnsw)");
    }
    ReaderSupplier reader = null;
    OnDiskGraphIndex graph;
    try {
      reader = new MappedChunkReader.Supplier(file);
      graph = OnDiskGraphIndex.load(reader);
    } catch (IOException | RuntimeException e) {
      if (reader != null) {
        reader.close();
      }
      throw new IOException(
          file
              + ": not a readable KNN index ("
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + e.getMessage())
              + "); rebuild it with mos fit --knn-index hnsw",
          e);
    }
    if (graph.getDimension() != bank.dims() || graph.size(0) != bank.rows()) {
      int rows = graph.size(0);
      int dims = graph.getDimension();
      graph.close();
      reader.close();
      throw new IOException(
          file
              + ": the KNN index holds "
              + rows
              + " rows of "
              + dims
              + " dimensions but the bank has "
              + bank.rows()
              + " of "
              + bank.dims()
              + " (rebuild it with mos fit --knn-index hnsw)");
    }
    try {
      checkSample(graph, bank);
    } catch (IOException | RuntimeException e) {
      graph.close();
      reader.close();
      throw new IOException(
          file
              + ": the KNN index is truncated, corrupt or of another bank ("
              + e.getMessage()
              + "); rebuild it with mos fit --knn-index hnsw",
          e);
    }
    return new KnnIndex(file, bank, reader, graph, efSearch);
  }

  /**
   * Reads the first, middle and last nodes (vector and base-layer neighbours): a truncated file
   * fails here rather than in a search, and the vectors must be the bank's rows.
   */
  private static void checkSample(OnDiskGraphIndex graph, KnnBank bank) throws IOException {
    try (OnDiskGraphIndex.View view = graph.getView()) {
      int n = bank.rows();
      for (int node : new int[] {0, n / 2, n - 1}) {
        VectorFloat<?> v = view.getVector(node);
        float[] row = bank.row(node);
        for (int j = 0; j < row.length; j++) {
          if (v.get(j) != row[j]) {
            throw new IOException("node " + node + " is not row " + node + " of the bank");
          }
        }
        var neighbours = view.getNeighborsIterator(0, node);
        while (neighbours.hasNext()) {
          int next = neighbours.nextInt();
          if (next < 0 || next >= n) {
            throw new IOException("node " + node + " links to " + next + " of " + n + " rows");
          }
        }
      }
    }
  }

  /** The index file. */
  public Path file() {
    return file;
  }

  /** The search's beam width. */
  public int efSearch() {
    return efSearch;
  }

  /**
   * The approximate K nearest bank rows of a normalised query ({@code d} floats from {@code from}),
   * nearest first by the graph's float32 similarity.
   */
  public int[] nearest(float[] queries, int from, int k) {
    float[] q = new float[bank.dims()];
    System.arraycopy(queries, from, q, 0, q.length);
    VectorFloat<?> query = VECTORS.createFloatVector(q);
    SearchResult result =
        GraphSearcher.search(
            query,
            k,
            Math.max(k, efSearch),
            new BankVectors(bank),
            VectorSimilarityFunction.EUCLIDEAN,
            graph,
            Bits.ALL);
    SearchResult.NodeScore[] nodes = result.getNodes();
    int[] out = new int[nodes.length];
    for (int i = 0; i < nodes.length; i++) {
      out[i] = nodes[i].node;
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    try {
      graph.close();
    } finally {
      reader.close();
    }
  }

  /** The bank's rows as jvector reads them: copied out of the mapping one row at a time. */
  private static final class BankVectors implements RandomAccessVectorValues {

    private final KnnBank bank;

    BankVectors(KnnBank bank) {
      this.bank = bank;
    }

    @Override
    public int size() {
      return bank.rows();
    }

    @Override
    public int dimension() {
      return bank.dims();
    }

    @Override
    public VectorFloat<?> getVector(int node) {
      return VECTORS.createFloatVector(bank.row(node));
    }

    @Override
    public boolean isValueShared() {
      return false;
    }

    @Override
    public RandomAccessVectorValues copy() {
      return this;
    }
  }
}
