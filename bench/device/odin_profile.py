#!/usr/bin/env python3
"""Where ODIN's time goes on ONNX Runtime CPU, and the ODIN graph before/after a change (bench/odin.md).

    python3 bench/device/odin_profile.py FOLDER:size:iterations[:threads/threads...] \
        [--baseline bench/device/baseline/odin-r50x1-2026-11-27.onnx]

FOLDER holds graph.onnx (forward), odin.onnx (ODIN gradient graph) and weights.json/weights.size,
written by org.mos.bench.device.ExternalizeOdinGraphs; the weights are refilled as odin_check.py
does. --baseline names an older odin.onnx written for the same weights (same initializers, same
weights.bin offsets); it is copied next to weights.bin and compared with the current graph:

  1. parity: current vs baseline graph on the same input (logits, input gradient, gradient signs);
  2. timing at batch 1, interleaved, per thread count: forward, each ODIN graph alone, and full ODIN
     (ODIN graph + sign step + forward of x'), fastest and median iteration, ratio to forward (at
     one thread also the thread's CPU time, which leaves out waits for a core on a busy machine);
  3. profile at 1 thread: ONNX Runtime's profiler, each node's fastest run (first run left out),
     summed per part (forward = nodes before the in-graph cotangent, backward = from there on,
     made by ORT = layout reorders and the like) and per op type; the slowest nodes.

Prints JSON lines and writes $OUT/odin_profile.json.
"""
import argparse
import collections
import glob
import importlib.util
import json
import os
import re
import shutil
import tempfile
import time

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
EPS, T = 0.0014, 1000.0


def odin_check():
    spec = importlib.util.spec_from_file_location("odin_check", os.path.join(HERE, "odin_check.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def session(path, threads, profile=None):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    if profile:
        so.enable_profiling = True
        so.profile_file_prefix = profile
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def odin_run(fwd, odin, x):
    temps = np.full((x.shape[0], 1), T, dtype=np.float32)
    logits, grad = odin.run(["logits", "input_gradient"], {"input": x, "temperature": temps})
    perturbed = (x - EPS * np.where(grad >= 0, 1.0, -1.0)).astype(np.float32)
    fwd.run(["logits"], {"input": perturbed})
    return logits, grad


def parity(folder, graphs, x):
    out = {}
    runs = {}
    for name, path in graphs.items():
        s = session(path, 4)
        runs[name] = s.run(["logits", "input_gradient"],
                           {"input": x, "temperature": np.full((x.shape[0], 1), T, np.float32)})
    if "baseline" in runs:
        (lc, gc), (lb, gb) = runs["current"], runs["baseline"]
        out = {"logits_max_abs_diff": float(np.abs(lc - lb).max()),
               "logits_max_abs": float(np.abs(lb).max()),
               "gradient_max_abs_diff": float(np.abs(gc - gb).max()),
               "gradient_max_abs": float(np.abs(gb).max()),
               "gradient_sign_agreement": float(np.mean((gc >= 0) == (gb >= 0)))}
    return out


def timing(folder, graphs, x, iterations, threads):
    fwd = session(os.path.join(folder, "graph.onnx"), threads)
    odin = {name: session(path, threads) for name, path in graphs.items()}
    temps = np.full((x.shape[0], 1), T, dtype=np.float32)
    work = {"forward": lambda: fwd.run(["logits"], {"input": x})}
    for name, s in odin.items():
        work[name + "_graph"] = (lambda s=s: s.run(["logits", "input_gradient"],
                                                   {"input": x, "temperature": temps}))
        work[name + "_odin"] = lambda s=s: odin_run(fwd, s, x)
    times, cpu = collections.defaultdict(list), collections.defaultdict(list)
    for i in range(iterations + 1):
        for name, fn in work.items():
            t, c = time.perf_counter(), time.thread_time()
            fn()
            if i > 0:  # the first round warms up
                times[name].append((time.perf_counter() - t) * 1e3)
                cpu[name].append((time.thread_time() - c) * 1e3)
    f, fc = min(times["forward"]), min(cpu["forward"])
    out = {}
    for name, v in times.items():
        out[name] = {"min_ms": round(min(v), 2), "median_ms": round(float(np.median(v)), 2),
                     "ratio_at_min": round(min(v) / f, 3)}
        if threads == 1:  # one thread: ORT runs every kernel on this thread
            out[name]["cpu_min_ms"] = round(min(cpu[name]), 2)
            out[name]["cpu_ratio_at_min"] = round(min(cpu[name]) / fc, 3)
    return out


def part_of(name, first_backward):
    m = re.search(r"/[A-Za-z]+_(\d+)(?:_nchwc)?$", name)
    if m:
        return "backward" if int(m.group(1)) >= first_backward else "forward"
    if name in ("logits", "features", "stem", "block1", "block2", "block3", "block4"):
        return "forward"
    if name == "input_gradient":
        return "backward"
    return "made by ORT"


def profile(path, x, iterations):
    prefix = os.path.join(tempfile.mkdtemp(), "odin")
    s = session(path, 1, prefix)
    temps = np.full((x.shape[0], 1), T, dtype=np.float32)
    for _ in range(iterations + 1):
        s.run(["logits", "input_gradient"], {"input": x, "temperature": temps})
    events = json.load(open(s.end_profiling()))
    first_run_end = min(e["ts"] + e["dur"] for e in events if e.get("name") == "model_run")
    fastest = {}
    for e in events:
        name = e.get("name", "")
        if e.get("cat") != "Node" or not name.endswith("_kernel_time") or e["ts"] < first_run_end:
            continue
        key = (e["args"].get("op_name", "?"), name[:-len("_kernel_time")])
        fastest[key] = min(fastest.get(key, float("inf")), e["dur"] / 1e3)
    first_backward = min(int(re.search(r"_(\d+)", n).group(1)) for (_, n) in fastest
                         if n.startswith("odin/"))
    parts, types = collections.Counter(), collections.Counter()
    counts = collections.Counter()
    for (op, node), ms in fastest.items():
        part = part_of(node, first_backward)
        parts[part] += ms
        types[part + " " + op] += ms
        counts[part + " " + op] += 1
    return {"parts_ms": {k: round(v, 2) for k, v in parts.items()},
            "total_ms": round(sum(parts.values()), 2),
            "types_ms": {k: [round(v, 2), counts[k]] for k, v in types.most_common()},
            "slowest_nodes_ms": {"%s %s" % k: round(v, 2) for k, v in
                                 sorted(fastest.items(), key=lambda kv: -kv[1])[:15]}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+", help="FOLDER:size:iterations[:threads/threads...]")
    ap.add_argument("--baseline", help="an older odin.onnx for the same weights")
    args = ap.parse_args()
    check = odin_check()
    report = {"onnxruntime": ort.__version__, "cpu_count": os.cpu_count()}
    for run in args.runs:
        fields = run.split(":")
        folder, size, iterations = fields[0], int(fields[1]), int(fields[2])
        threads = [int(t) for t in fields[3].split("/")] if len(fields) > 3 else [1]
        check.fill(folder)
        graphs = {"current": os.path.join(folder, "odin.onnx")}
        if args.baseline:
            graphs["baseline"] = os.path.join(folder, "odin_baseline.onnx")
            shutil.copyfile(args.baseline, graphs["baseline"])
        x = check.pattern(1, size)
        r = {"parity_current_vs_baseline": parity(folder, graphs, check.pattern(2, size))}
        print(json.dumps({folder: r}), flush=True)
        for th in threads:
            r["timing_t%d" % th] = timing(folder, graphs, x, iterations, th)
            print(json.dumps({folder: {"timing_t%d" % th: r["timing_t%d" % th]}}), flush=True)
        for name, path in graphs.items():
            r["profile_" + name] = profile(path, x, max(3, iterations // 2))
            print(json.dumps({folder: {"profile_" + name: r["profile_" + name]}}), flush=True)
        report[os.path.basename(folder.rstrip("/"))] = r
        for leftover in glob.glob(os.path.join(folder, "odin_baseline.onnx")):
            os.remove(leftover)
    out = os.environ.get("OUT")
    if out:
        with open(os.path.join(out, "odin_profile.json"), "w") as fh:
            json.dump(report, fh, indent=1)


if __name__ == "__main__":
    main()
