"""Reference for org.mos.bench.BlasBench: NumPy (Debian's OpenBLAS) and faiss on the matrix-product
methods, on data this script writes once to DIR as .npy files (the Java side reads the same files):

  vim   50,000 x 2048 float32 features, 1000 logits: logsumexp(z) - alpha ||(f - u) NS||, NS 2048 x
        1048 float64, as haoqiwang/vim benchmark.py computes it
  head  the same features through a 1000 x 2048 head: logsumexp(f W^T + b) (the product of DICE and
        every shaping method), float64 as numpy promotes float32 features times a float64 W
  dice  DICE (METHODS.md 4.1, deeplearning-wisc/dice models/route.py): the same features and head,
        the mean feature m of the 50,000 rows as the fit (dice_mean.npy), contributions m_j W_cj,
        mask V > np.percentile(V, 70) (computed once, not timed), timed: the energy
        logsumexp(f (W * M)^T + b) in float64, as the head row
  react ReAct (METHODS.md, deeplearning-wisc/react): the same features and head, the clip value c the
        percentile 90 of all 50,000 x 2048 activations (react_clip.npy, not timed), timed: the
        energy logsumexp(min(f, c) W^T + b) in float64
  knn   K = 50 nearest of 1,000 normalised queries in a 100,000 x 2048 normalised float32 bank,
        faiss IndexFlatL2 (exact); the neighbours are saved for the Java side to compare

Prints per method the best wall time and the process CPU time of that run, in ms.

    /usr/bin/python3 bench/python/blas_ref.py DIR [repeats] [methods]
"""
import os
import sys
import time

import numpy as np
from scipy.special import logsumexp

N, D, C, R = 50_000, 2048, 1000, 1048
BANK, QUERIES, K = 100_000, 1000, 50


def normalizer(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True) + 1e-10


def data(folder):
    os.makedirs(folder, exist_ok=True)
    path = lambda name: os.path.join(folder, name + ".npy")
    if not os.path.exists(path("knn_faiss_neighbours")):
        rng = np.random.default_rng(2026)
        np.save(path("features"), np.maximum(rng.normal(0.2, 1.0, (N, D)), 0).astype(np.float32))
        np.save(path("logits"), rng.normal(0, 2.0, (N, C)).astype(np.float32))
        np.save(path("weight"), rng.normal(0, 0.05, (C, D)))
        np.save(path("bias"), rng.normal(0, 0.1, C))
        q, _ = np.linalg.qr(rng.normal(size=(D, R)))
        np.save(path("vim_ns"), np.ascontiguousarray(q))
        np.save(path("vim_u"), rng.normal(0, 0.05, D))
        bank = np.maximum(rng.normal(0.2, 1.0, (BANK, D)), 0)
        np.save(path("knn_bank"), normalizer(bank).astype(np.float32))
        np.save(path("knn_queries"), np.maximum(rng.normal(0.2, 1.0, (QUERIES, D)), 0).astype(np.float32))
        np.save(path("knn_faiss_neighbours"), np.zeros(1))  # marks the data complete
    return path


def timed(fn, repeats):
    best = None
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        out = fn()
        w, c = (time.perf_counter() - w0) * 1e3, (time.process_time() - c0) * 1e3
        if best is None or w < best[0]:
            best = (w, c)
    return out, best


def main():
    folder = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    methods = sys.argv[3].split(",") if len(sys.argv) > 3 else ["vim", "head", "knn"]
    path = data(folder)
    print("numpy %s, OPENBLAS_NUM_THREADS=%s" % (np.__version__, os.environ.get("OPENBLAS_NUM_THREADS")))
    if "vim" in methods or "head" in methods or "dice" in methods or "react" in methods:
        f = np.load(path("features"))
    if "vim" in methods:
        z = np.load(path("logits"))
        ns, u, alpha = np.load(path("vim_ns")), np.load(path("vim_u")), 0.05

        def vim():
            return -alpha * np.linalg.norm(np.matmul(f - u, ns), axis=-1) + logsumexp(z, axis=-1)

        s, (w, c) = timed(vim, repeats)
        np.save(path("vim_numpy_scores"), s)
        print("vim 50000x2048: wall %.0f ms, cpu %.0f ms (score[0]=%.6f)" % (w, c, s[0]))
    if "head" in methods:
        wt, b = np.load(path("weight")), np.load(path("bias"))

        def head():
            return logsumexp(f @ wt.T + b, axis=-1)

        s, (w, c) = timed(head, repeats)
        np.save(path("head_numpy_scores"), s)
        print("head energy 50000x2048x1000: wall %.0f ms, cpu %.0f ms (score[0]=%.6f)" % (w, c, s[0]))
    if "dice" in methods:
        wt, b = np.load(path("weight")), np.load(path("bias"))
        if not os.path.exists(path("dice_mean")):
            np.save(path("dice_mean"), f.mean(axis=0, dtype=np.float64))
        m = np.load(path("dice_mean"))
        contrib = m[None, :] * wt
        thresh = np.percentile(contrib, 70)
        mask = contrib > thresh
        masked = wt * mask

        def dice():
            return logsumexp(f @ masked.T + b, axis=-1)

        s, (w, c) = timed(dice, repeats)
        np.save(path("dice_numpy_scores"), s)
        print("dice (p=70) threshold %.9g, %d weights kept" % (thresh, int(mask.sum())))
        print("dice energy 50000x2048x1000: wall %.0f ms, cpu %.0f ms (score[0]=%.6f)" % (w, c, s[0]))
    if "react" in methods:
        wt, b = np.load(path("weight")), np.load(path("bias"))
        if not os.path.exists(path("react_clip")):
            # the fitted state (not timed): percentile 90 of all activations, as mos fit --react-fit
            np.save(path("react_clip"), np.array([np.percentile(f.flatten(), 90)]))
        clip = float(np.load(path("react_clip"))[0])

        def react():
            return logsumexp(np.clip(f, None, clip) @ wt.T + b, axis=-1)

        s, (w, c) = timed(react, repeats)
        np.save(path("react_numpy_scores"), s)
        print("react (c=%.9g) energy 50000x2048x1000: wall %.0f ms, cpu %.0f ms (score[0]=%.6f)" % (clip, w, c, s[0]))
    if "knn" in methods:
        import faiss

        bank, queries = np.load(path("knn_bank")), np.load(path("knn_queries"))
        print("faiss %s, omp threads %d" % (faiss.__version__, faiss.omp_get_max_threads()))

        def knn():
            index = faiss.IndexFlatL2(D)
            index.add(bank)
            return index.search(normalizer(queries).astype(np.float32), K)

        (dist, idx), (w, c) = timed(knn, repeats)
        np.save(path("knn_faiss_neighbours"), idx.astype(np.int64))
        np.save(path("knn_faiss_scores"), -dist[:, -1].astype(np.float64))
        print("knn K=50, 1000 queries x 100000 bank: wall %.0f ms, cpu %.0f ms" % (w, c))


if __name__ == "__main__":
    main()
