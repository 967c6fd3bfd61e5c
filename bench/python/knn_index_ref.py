"""Reference for org.mos.bench.KnnIndexBench: faiss (Debian's python3-faiss 1.7.3) IndexHNSWFlat
against IndexFlatL2 on KNN's data, one thread, on files this script writes once to DIR:

  knn_index_bank.npy        ROWS x D float32 rows normalised as KNN does (x / ||x|| + 1e-10), drawn
                            around 1,000 random centres (penultimate features cluster by class)
  knn_index_queries.npy     QUERIES x D float32 raw queries (the Java side normalises them)
  knn_index_exact.npy       the exact K = 50 neighbours (IndexFlatL2), int64, for recall@50

Then builds faiss IndexHNSWFlat(D, M) with efConstruction, searches with efSearch, and prints the
build and search times (wall and process CPU, ms) and recall@50 against the exact neighbours.

    /usr/bin/python3 bench/python/knn_index_ref.py DIR [rows] [dims] [M] [efConstruction] [efSearch]
"""
import os
import sys
import time

import faiss
import numpy as np

QUERIES, K, CENTRES = 1000, 50, 1000


def normalizer(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True) + 1e-10


def timed(fn):
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - w0) * 1e3, (time.process_time() - c0) * 1e3


def main():
    folder = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    dims = int(sys.argv[3]) if len(sys.argv) > 3 else 256
    m = int(sys.argv[4]) if len(sys.argv) > 4 else 16
    ef_construction = int(sys.argv[5]) if len(sys.argv) > 5 else 100
    ef_search = int(sys.argv[6]) if len(sys.argv) > 6 else 200
    faiss.omp_set_num_threads(1)
    os.makedirs(folder, exist_ok=True)
    path = lambda name: os.path.join(folder, name + ".npy")
    if not os.path.exists(path("knn_index_exact")) or np.load(path("knn_index_bank"), mmap_mode="r").shape != (rows, dims):
        rng = np.random.default_rng(2026)
        centres = np.maximum(rng.normal(0.2, 1.0, (CENTRES, dims)), 0)
        bank = centres[rng.integers(0, CENTRES, rows)] + rng.normal(0, 0.35, (rows, dims))
        queries = centres[rng.integers(0, CENTRES, QUERIES)] + rng.normal(0, 0.35, (QUERIES, dims))
        bank = normalizer(np.maximum(bank, 0)).astype(np.float32)
        queries = np.maximum(queries, 0).astype(np.float32)
        np.save(path("knn_index_bank"), bank)
        np.save(path("knn_index_queries"), queries)
        flat = faiss.IndexFlatL2(dims)
        flat.add(bank)
        _, exact = flat.search(normalizer(queries).astype(np.float32), K)
        np.save(path("knn_index_exact"), exact.astype(np.int64))
    bank = np.load(path("knn_index_bank"))
    queries = normalizer(np.load(path("knn_index_queries"))).astype(np.float32)
    exact = np.load(path("knn_index_exact"))
    print(f"faiss {faiss.__version__}, 1 thread, bank {bank.shape[0]} x {bank.shape[1]}, "
          f"{queries.shape[0]} queries, K {K}, M {m}, efConstruction {ef_construction}, "
          f"efSearch {ef_search}")

    def build():
        index = faiss.IndexHNSWFlat(dims, m)
        index.hnsw.efConstruction = ef_construction
        index.add(bank)
        return index

    index, wall, cpu = timed(build)
    print(f"faiss IndexHNSWFlat build: wall {wall:.0f} ms, cpu {cpu:.0f} ms")
    index.hnsw.efSearch = max(ef_search, K)
    index.search(queries[:10], K)  # warm-up
    (_, found), wall, cpu = timed(lambda: index.search(queries, K))
    hits = sum(len(set(found[i]) & set(exact[i])) for i in range(len(found)))
    print(f"faiss IndexHNSWFlat search: wall {wall:.0f} ms, cpu {cpu:.0f} ms, "
          f"recall@{K} {hits / exact.size:.4f}")
    flat = faiss.IndexFlatL2(dims)
    flat.add(bank)
    _, wall, cpu = timed(lambda: flat.search(queries, K))
    print(f"faiss IndexFlatL2 search (exact): wall {wall:.0f} ms, cpu {cpu:.0f} ms")


if __name__ == "__main__":
    main()
