#!/usr/bin/python3
"""Summarises a chrome trace from libtorch's profiler (TrainStepProfile) or torch's
(train_profile_ref.py): self time per op name (time not spent in nested ops of the same thread),
total per phase, per profiled step.

Usage: python3 bench/python/trace_summary.py trace.json steps [top]
"""
import json
import sys
from collections import defaultdict


def events(path):
    with open(path) as f:
        data = json.load(f)
    evs = data["traceEvents"] if isinstance(data, dict) else data
    return [e for e in evs if e.get("ph") == "X" and "dur" in e]


def self_times(evs):
    by_thread = defaultdict(list)
    for e in evs:
        by_thread[(e.get("pid"), e.get("tid"))].append(e)
    selfs = defaultdict(float)
    counts = defaultdict(int)
    for lst in by_thread.values():
        lst.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        stack = []  # [end, name, child_time]
        def pop():
            end, name, child, dur = stack.pop()
            selfs[name] += dur - child
        for e in lst:
            ts, dur = float(e["ts"]), float(e["dur"])
            while stack and stack[-1][0] <= ts:
                pop()
            if stack:
                stack[-1][2] += dur
            stack.append([ts + dur, e["name"], 0.0, dur])
            counts[e["name"]] += 1
        while stack:
            pop()
    return selfs, counts


CATEGORIES = [
    ("convolution forward", ("aten::mkldnn_convolution", "aten::_slow_conv2d_forward")),
    ("convolution backward", ("aten::convolution_backward", "aten::_slow_conv2d_backward")),
    ("norm kernels (layer/batch/group norm, var_mean)",
     ("aten::native_layer_norm", "aten::native_layer_norm_backward", "aten::native_batch_norm",
      "aten::native_batch_norm_backward", "aten::native_group_norm",
      "aten::native_group_norm_backward", "aten::var_mean")),
    ("elementwise and reductions",
     ("aten::mul", "aten::div", "aten::add", "aten::sub", "aten::neg", "aten::pow", "aten::sqrt",
      "aten::sum", "aten::mean", "aten::clamp_min", "aten::threshold_backward", "aten::add_",
      "aten::sub_", "aten::mul_", "aten::div_", "aten::fill_", "aten::copy_",
      "aten::max_pool2d_with_indices", "aten::max_pool2d_with_indices_backward")),
]


def categories(selfs):
    """Self time per category; everything else (views, allocation, autograd glue) is 'other'."""
    out = {}
    seen = set()
    for label, names in CATEGORIES:
        out[label] = sum(selfs.get(n, 0.0) for n in names)
        seen.update(names)
    out["other (views, allocation, autograd and dispatch glue)"] = sum(
        t for n, t in selfs.items() if n not in seen)
    return out


def main():
    path, steps = sys.argv[1], int(sys.argv[2])
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    evs = events(path)
    selfs, counts = self_times(evs)
    total = sum(selfs.values())
    print("%s: %.1f ms self time per step in %d ops per step" % (path, total / 1e3 / steps,
                                                                 sum(counts.values()) // steps))
    for label, t in categories(selfs).items():
        print("  %8.1f ms %5.1f%%  %s" % (t / 1e3 / steps, 100 * t / total, label))
    print("  top ops:")
    for name, t in sorted(selfs.items(), key=lambda kv: -kv[1])[:top]:
        print("  %8.1f ms %5.1f%%  %6d  %s" % (t / 1e3 / steps, 100 * t / total,
                                              counts[name] // steps, name))


if __name__ == "__main__":
    main()
