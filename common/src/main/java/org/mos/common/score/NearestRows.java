package org.mos.common.score;

/**
 * The K rows with the largest keys seen so far, as a bounded binary min-heap on two parallel
 * arrays: the root is the worst of the K kept, so most candidates are rejected by one comparison.
 * Among equal keys the earlier row is kept (as faiss keeps the lower index). Not thread-safe.
 */
final class NearestRows {

  private final double[] keys;
  private final int[] rows;
  private int size;

  NearestRows(int k) {
    this.keys = new double[k];
    this.rows = new int[k];
  }

  void offer(double key, int row) {
    int k = keys.length;
    if (size < k) {
      int i = size++;
      keys[i] = key;
      rows[i] = row;
      siftUp(i);
    } else if (key > keys[0]) {
      keys[0] = key;
      rows[0] = row;
      siftDown(0);
    }
  }

  /** The row with the smallest kept key (the K-th best once K rows were offered). */
  int worstRow() {
    return rows[0];
  }

  /** The kept rows, best first. */
  int[] rowsBestFirst() {
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(
        order,
        (a, b) -> {
          int c = Double.compare(keys[b], keys[a]);
          return c != 0 ? c : Integer.compare(rows[a], rows[b]);
        });
    int[] out = new int[size];
    for (int i = 0; i < size; i++) {
      out[i] = rows[order[i]];
    }
    return out;
  }

  /** Whether entry a is worse than entry b: a smaller key, or the same key and a later row. */
  private boolean worse(int a, int b) {
    return keys[a] < keys[b] || (keys[a] == keys[b] && rows[a] > rows[b]);
  }

  private void siftUp(int i) {
    while (i > 0) {
      int p = (i - 1) >>> 1;
      if (!worse(i, p)) {
        return;
      }
      swap(i, p);
      i = p;
    }
  }

  private void siftDown(int i) {
    while (true) {
      int l = 2 * i + 1;
      if (l >= size) {
        return;
      }
      int m = l + 1 < size && worse(l + 1, l) ? l + 1 : l;
      if (!worse(m, i)) {
        return;
      }
      swap(i, m);
      i = m;
    }
  }

  private void swap(int a, int b) {
    double k = keys[a];
    keys[a] = keys[b];
    keys[b] = k;
    int r = rows[a];
    rows[a] = rows[b];
    rows[b] = r;
  }
}
