#!/usr/bin/env python3
"""GPU check of the exported ONNX graphs (run on the lent GPU machine; see bench/device/README.md).

For every model folder given (graph.onnx + weights.size, written by
org.mos.bench.device.ExternalizeWeights from a bundle's model.onnx):
  1. fills weights.bin with seeded random float32 values (any values exercise the same graph);
  2. lists where ONNX Runtime places every node with the CUDA provider asked for (from its
     profiler), so that a node silently falling back to the CPU shows;
  3. compares CUDA against CPU outputs on the same input (max abs diff, relative to the range);
  4. times CUDA inference at the given sizes and batches (images/s, session.run with host arrays,
     i.e. including the copies a server pays), and the same network in PyTorch eager on CUDA
     (the reference model of scripts/fixtures/make_trainer_fixtures.py).
Prints one JSON document.
"""
import collections
import importlib.util
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def fill_weights(folder):
    size = int(open(os.path.join(folder, "weights.size")).read())
    rng = np.random.default_rng(0)
    w = (rng.standard_normal(size // 4).astype(np.float32) * 0.05)
    w.tofile(os.path.join(folder, "weights.bin"))
    return size


def session(folder, providers, profile=False):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 2
    if profile:
        so.enable_profiling = True
        so.profile_file_prefix = os.path.join(folder, "profile")
    return ort.InferenceSession(os.path.join(folder, "graph.onnx"), so, providers=providers)


def pattern(batch, size):
    n = batch * 3 * size * size
    i = np.arange(n, dtype=np.int64)
    return (((i * 7919) % 1000) / 500.0 - 1.0).astype(np.float32).reshape(batch, 3, size, size)


def placement(folder, size):
    s = session(folder, ["CUDAExecutionProvider", "CPUExecutionProvider"], profile=True)
    s.run(None, {"input": pattern(1, size)})
    prof = s.end_profiling()
    events = json.load(open(prof))
    by = collections.Counter()
    for e in events:
        a = e.get("args", {})
        if e.get("cat") == "Node" and "provider" in a and e["name"].endswith("_kernel_time"):
            by[(a.get("op_name", "?"), a["provider"])] += 1
    return {"providers": s.get_providers(),
            "nodes": {f"{op}@{p}": n for (op, p), n in sorted(by.items())}}


def parity(folder, size):
    x = pattern(2, size)
    cpu = session(folder, ["CPUExecutionProvider"])
    gpu = session(folder, ["CUDAExecutionProvider", "CPUExecutionProvider"])
    names = [o.name for o in cpu.get_outputs()]
    a = cpu.run(names, {"input": x})
    b = gpu.run(names, {"input": x})
    out = {}
    for n, u, v in zip(names, a, b):
        scale = float(np.max(np.abs(u))) or 1.0
        out[n] = {"max_abs_diff": float(np.max(np.abs(u - v))), "max_abs": scale,
                  "finite": bool(np.isfinite(u).all() and np.isfinite(v).all())}
    return out


def time_ort(folder, size, batch, iters):
    s = session(folder, ["CUDAExecutionProvider", "CPUExecutionProvider"])
    x = pattern(batch, size)
    for _ in range(3):
        s.run(["logits"], {"input": x})
    t = time.perf_counter()
    for _ in range(iters):
        s.run(["logits"], {"input": x})
    dt = (time.perf_counter() - t) / iters
    return {"ms_per_batch": dt * 1e3, "images_per_s": batch / dt}


def reference_model(units):
    """The reference ResNetV2 with its weights standardised once (as our graph has them folded)."""
    import torch
    import torch.nn.functional as F
    spec = importlib.util.spec_from_file_location(
        "ref", os.path.join(ROOT, "scripts", "fixtures", "make_trainer_fixtures.py"))
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    model = ref.ResNetV2(units, 64, 1000).eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, ref.StdConv2d):
                w = m.weight
                v, mu = torch.var_mean(w, dim=[1, 2, 3], keepdim=True, unbiased=False)
                w.copy_((w - mu) / torch.sqrt(v + 1e-10))
                m.forward = (lambda x, m=m: F.conv2d(x, m.weight, None, m.stride, m.padding))
    return model


def time_torch(units, size, batch, iters, device, threads=None):
    import torch
    if threads:
        torch.set_num_threads(threads)
    model = reference_model(units).to(device)
    x = torch.from_numpy(pattern(batch, size))
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    with torch.no_grad():
        for _ in range(2):
            model(x.to(device))[0].cpu()
        sync()
        t = time.perf_counter()
        for _ in range(iters):
            model(x.to(device))[0].cpu()  # same host round trip as the ORT timing
        sync()
    dt = (time.perf_counter() - t) / iters
    return {"ms_per_batch": dt * 1e3, "images_per_s": batch / dt, "torch": torch.__version__,
            "device": device, "threads": torch.get_num_threads()}


def time_ort_cpu(folder, size, batch, iters, threads):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    s = ort.InferenceSession(os.path.join(folder, "graph.onnx"), so,
                             providers=["CPUExecutionProvider"])
    x = pattern(batch, size)
    for _ in range(2):
        s.run(["logits"], {"input": x})
    t = time.perf_counter()
    for _ in range(iters):
        s.run(["logits"], {"input": x})
    dt = (time.perf_counter() - t) / iters
    return {"ms_per_batch": dt * 1e3, "images_per_s": batch / dt, "threads": threads}


def main():
    report = {"onnxruntime": ort.__version__, "available": ort.get_available_providers()}
    # each argument: FOLDER:units(comma list):size:batch[/batch...]
    for arg in sys.argv[1:]:
        folder, units, size, batches = arg.split(":")
        size = int(size)
        units = [int(u) for u in units.split(",")]
        r = {"weights_bytes": fill_weights(folder)}
        cuda = "CUDAExecutionProvider" in ort.get_available_providers()
        r["timing"] = {}
        batch_list = [int(v) for v in batches.split("/")]
        if cuda:
            r["placement"] = placement(folder, size)
            r["cuda_vs_cpu"] = parity(folder, min(size, 224))
            for b in batch_list:
                iters = 20 if b <= 4 else 10
                r["timing"][f"ort_cuda_b{b}"] = time_ort(folder, size, b, iters)
                r["timing"][f"torch_cuda_b{b}"] = time_torch(units, size, b, iters, "cuda")
        else:
            r["cuda"] = "this onnxruntime has no CUDAExecutionProvider: CPU comparison only"
        threads = int(os.environ.get("CHECK_THREADS", "16"))
        for b in batch_list:
            iters = 5 if b <= 4 else 2
            for th in (1, threads):
                if th == 1 and b > 1:
                    continue  # one thread on a full batch takes too long for the check
                r["timing"][f"ort_cpu_b{b}_t{th}"] = time_ort_cpu(folder, size, b, iters, th)
                r["timing"][f"torch_cpu_b{b}_t{th}"] = time_torch(units, size, b, iters, "cpu", th)
            if not cuda:
                r["timing"][f"torch_cuda_b{b}"] = time_torch(units, size, b, 10, "cuda")
        report[os.path.basename(folder)] = r
        print(json.dumps({os.path.basename(folder): r}), flush=True)
    out = os.environ.get("OUT")
    if out:
        with open(os.path.join(out, "ort_cuda_check.json"), "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
