#!/usr/bin/python3
"""Reference for org.mos.bench.FitBench: the same data, sklearn's LogisticRegressionCV() (as the
Mahalanobis reference calls it, also with n_jobs=-1) and EmpiricalCovariance on class-centred
features (the reference's sample_estimator), timed.

    /usr/bin/python3 bench/python/fit_ref.py [--layers-only] [timed runs] [D[:ROWS]...]

Each layer: one first run, then the timed runs; prints each and the best process CPU time.
"""
import sys
import time

import numpy as np
from sklearn.covariance import EmpiricalCovariance
from sklearn.linear_model import LogisticRegressionCV

M64 = (1 << 64) - 1


def uniform(seed, n):
    i = np.arange(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (np.uint64(seed) << np.uint64(32)) + i + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def layer(d, rows, classes, runs):
    u = uniform(99, rows * d).reshape(rows, d)
    labels = np.arange(rows) % classes
    f = (u + 0.01 * labels[:, None] * ((np.arange(d) % 7) - 3)[None, :]).astype(np.float32)
    f = f.astype(np.float64)
    del u
    best = None
    for run in range(runs + 1):
        c0 = time.process_time()
        t0 = time.perf_counter()
        means = np.stack([f[labels == c].mean(axis=0) for c in range(classes)])
        centred = f - means[labels]
        precision = EmpiricalCovariance(assume_centered=False).fit(centred).precision_
        t1 = time.perf_counter()
        c1 = time.process_time()
        if run > 0:
            best = (c1 - c0) if best is None else min(best, c1 - c0)
        print("mahalanobis layer d=%d, %d rows, %d classes, %s: means+cov+pinvh %.0f ms,"
              " process cpu %.0f ms (precision[0][0]=%.6g)"
              % (d, rows, classes, "first run" if run == 0 else "run %d" % run,
                 (t1 - t0) * 1e3, (c1 - c0) * 1e3, precision[0, 0]))
    if runs > 0:
        print("mahalanobis layer d=%d, %d rows: best process cpu of %d timed runs %.0f ms"
              % (d, rows, runs, best * 1e3))


def main():
    args = sys.argv[1:]
    layers_only = bool(args) and args[0] == "--layers-only"
    if layers_only:
        args = args[1:]
    runs = int(args[0]) if args else 5
    # D or D:ROWS (2,000 rows by default)
    layers = args[1:] or ["256", "1024", "2048"]
    if not layers_only:
        combiner(runs)
    for spec in layers:
        parts = [int(p) for p in spec.split(":")]
        layer(parts[0], parts[1] if len(parts) > 1 else 2000, 100, runs)


def combiner(runs):
    scale = [2, 10, 40, 150, 600]
    y = np.array([0] * 500 + [1] * 500)
    x = np.empty((1000, 5))
    for l in range(5):
        u = uniform(l + 1, 1000)
        x[:, l] = np.where(y == 0, -scale[l] * (0.5 + u), -scale[l] * (0.8 + 1.2 * u))
    x = x.astype(np.float32).astype(np.float64)
    cv = LogisticRegressionCV().fit(x, y)
    print("lr: C=%r coef=%r intercept=%r" % (cv.C_[0], cv.coef_[0].tolist(), cv.intercept_[0]))
    for n_jobs in (None, -1):
        t = []
        for _ in range(runs):
            t0 = time.perf_counter()
            LogisticRegressionCV(n_jobs=n_jobs).fit(x, y)
            t.append((time.perf_counter() - t0) * 1e3)
        print("lr 1000x5 CV fit (n_jobs=%s): median %.1f ms" % (n_jobs, sorted(t)[len(t) // 2]))


if __name__ == "__main__":
    main()
