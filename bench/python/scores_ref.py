#!/usr/bin/python3
"""numpy reference timings for bench/scores.md (compare with org.mos.bench.ScoresBench).

Same shapes as the Java harness: 50,000 x 1008 float32 logits (the paper's 8-group layout),
KL matching against 1000 class means. Every score is computed in float64, like the Java code.
Elementwise numpy runs on one thread; the KL matrix product uses OpenBLAS with
OPENBLAS_NUM_THREADS threads (set it to compare with ScoresBench --threads).

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/python/scores_ref.py [--rows N] [--repeats R]
"""
import argparse
import os
import time

import numpy as np

SIZES = [398, 521, 9, 7, 52, 8, 3, 2]


def slices():
    out, start = [], 0
    for n in SIZES:
        out.append((start, start + n + 1))
        start += n + 1
    return out


def mos(x):
    x = x.astype(np.float64)
    others = []
    for a, b in slices():
        s = x[:, a:b]
        m = s.max(axis=1, keepdims=True)
        others.append(np.exp(s[:, :1] - m)[:, 0] / np.exp(s - m).sum(axis=1))
    return -np.min(np.stack(others, axis=1), axis=1)


def msp(x, t=1.0):
    x = x.astype(np.float64)
    m = x.max(axis=1, keepdims=True)
    return 1.0 / np.exp((x - m) / t).sum(axis=1)


def maxlogit(x):
    return x.max(axis=1).astype(np.float64)


def energy(x, t=1.0):
    x = x.astype(np.float64)
    m = x.max(axis=1, keepdims=True)
    return m[:, 0] + t * np.log(np.exp((x - m) / t).sum(axis=1))


def odin(x):
    return msp(x, 1000.0)


def kl(x, log_means):
    x = x.astype(np.float64)
    m = x.max(axis=1, keepdims=True)
    z = x - m
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    p = np.exp(log_p)
    neg_entropy = (p * log_p).sum(axis=1)
    return (p @ log_means.T).max(axis=1) - neg_entropy


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=50000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--methods", default="mos,msp,maxlogit,energy,odin,kl")
    args = ap.parse_args()
    rng = np.random.default_rng(42)
    cols = sum(SIZES) + len(SIZES)
    x = (rng.standard_normal((args.rows, cols)) * 3).astype(np.float32)
    means = rng.random((1000, cols)) + 1e-3
    means /= means.sum(axis=1, keepdims=True)
    log_means = np.log(means)
    funcs = {"mos": mos, "msp": msp, "maxlogit": maxlogit, "energy": energy, "odin": odin,
             "kl": lambda v: kl(v, log_means)}
    print("numpy %s, %d x %d float32 logits, OPENBLAS_NUM_THREADS=%s, %d runs (ms; cpu = process CPU time)"
          % (np.__version__, args.rows, cols, os.environ.get("OPENBLAS_NUM_THREADS", "default"),
             args.repeats))
    for name in args.methods.split(","):
        f = funcs[name]
        f(x[:1000])
        times, cpu = [], []
        for _ in range(args.repeats):
            c0 = time.process_time()
            t0 = time.perf_counter()
            s = f(x)
            times.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.process_time() - c0) * 1e3)
        times.sort()
        cpu.sort()
        print("%-9s wall best %8.1f  median %8.1f   cpu best %8.1f   (checksum %.6g)"
              % (name, times[0], times[len(times) // 2], cpu[0], s[-1]))


if __name__ == "__main__":
    main()
