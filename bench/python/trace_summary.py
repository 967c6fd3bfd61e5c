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


def main():
    path, steps = sys.argv[1], int(sys.argv[2])
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    evs = events(path)
    selfs, counts = self_times(evs)
    total = sum(selfs.values())
    print("%s: %.1f ms self time per step in %d ops per step" % (path, total / 1e3 / steps,
                                                                 sum(counts.values()) // steps))
    for name, t in sorted(selfs.items(), key=lambda kv: -kv[1])[:top]:
        print("  %8.1f ms %5.1f%%  %6d  %s" % (t / 1e3 / steps, 100 * t / total,
                                              counts[name] // steps, name))


if __name__ == "__main__":
    main()
