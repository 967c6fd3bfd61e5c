#!/usr/bin/python3
"""Reference timings for bench/metrics.md: the same 1M + 1M scores as MetricsBench (same integer
formula), metrics computed as the MOS repository (get_measures, sklearn) and OpenOOD v1.5 do.

Usage: /usr/bin/python3 bench/python/metrics_ref.py [n] [runs]
"""
import sys
import time

import numpy as np
from sklearn import metrics as sk


def uniform(seed, n, offset):
    z = (np.uint64(seed) << np.uint64(32)) + np.arange(n, dtype=np.uint64)
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53 + offset


def fpr_and_fdr_at_recall(y_true, y_score, recall_level=0.95):
    # As in the MOS repository (Hendrycks' outlier-exposure code), positive label 1.
    y_true = y_true == 1
    desc_score_indices = np.argsort(y_score, kind="mergesort")[::-1]
    y_score = y_score[desc_score_indices]
    y_true = y_true[desc_score_indices]
    distinct_value_indices = np.where(np.diff(y_score))[0]
    threshold_idxs = np.r_[distinct_value_indices, y_true.size - 1]
    tps = np.cumsum(y_true, dtype=np.float64)[threshold_idxs]
    fps = 1 + threshold_idxs - tps
    recall = tps / tps[-1]
    last_ind = tps.searchsorted(tps[-1])
    sl = slice(last_ind, None, -1)
    recall, fps = np.r_[recall[sl], 1], np.r_[fps[sl], 0]
    cutoff = np.argmin(np.abs(recall - recall_level))
    return fps[cutoff] / (np.sum(np.logical_not(y_true)))


def paper(id_scores, ood_scores):
    examples = np.concatenate([id_scores, ood_scores])
    labels = np.r_[np.ones(len(id_scores), np.int32), np.zeros(len(ood_scores), np.int32)]
    auroc = sk.roc_auc_score(labels, examples)
    aupr_in = sk.average_precision_score(labels, examples)
    aupr_out = sk.average_precision_score(1 - labels, -examples)
    fpr95 = fpr_and_fdr_at_recall(labels, examples)
    return auroc, aupr_in, aupr_out, fpr95


def openood(id_scores, ood_scores):
    conf = np.concatenate([id_scores, ood_scores])
    ood_indicator = np.r_[np.zeros(len(id_scores)), np.ones(len(ood_scores))]
    fpr_list, tpr_list, _ = sk.roc_curve(ood_indicator, -conf)
    fpr = fpr_list[np.argmax(tpr_list >= 0.95)]
    precision_in, recall_in, _ = sk.precision_recall_curve(1 - ood_indicator, conf)
    precision_out, recall_out, _ = sk.precision_recall_curve(ood_indicator, -conf)
    return (
        sk.auc(fpr_list, tpr_list),
        sk.auc(recall_in, precision_in),
        sk.auc(recall_out, precision_out),
        fpr,
    )


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    id_scores, ood_scores = uniform(11, n, 0.25), uniform(12, n, 0.0)
    print(f"metrics_ref: {n:,} ID + {n:,} OOD scores, {runs} timed runs, numpy {np.__version__}")
    for name, fn in [("paper", paper), ("openood", openood)]:
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            result = fn(id_scores, ood_scores)
            times.append((time.perf_counter() - t0) * 1e3)
        times.sort()
        print(f"{name:10s} {times[len(times) // 2]:9.1f} ms median, {times[0]:.1f} min, {times[-1]:.1f} max")
        print(f"{name:10s} auroc={result[0]!r} aupr_in={result[1]!r} aupr_out={result[2]!r} fpr95={result[3]!r}")


if __name__ == "__main__":
    main()
