#!/usr/bin/env python3
"""Device check of ODIN with input perturbation (bench/odin.md; run on the lent GPU machine).

Each argument is FOLDER:units:size:batch[/batch...] where FOLDER holds graph.onnx (forward),
odin.onnx (ODIN gradient graph) and weights.json/weights.size, written by
org.mos.bench.device.ExternalizeOdinGraphs. The script
  1. refills weights.bin with seeded random values shaped like real weights (standardised conv
     kernels, group-norm scales near 1, a small head), shared by both graphs;
  2. loads the same values into the PyTorch reference model (make_trainer_fixtures.py, plain
     convolutions) and compares ODIN scores / gradients: ORT (odin.onnx + sign step + graph.onnx)
     against torch autograd exactly as the MOS paper's iterate_data_odin;
  3. times forward-only vs ODIN eps>0 with ONNX Runtime on the CPU (1 and 16 threads) and with
     PyTorch on CPU and CUDA (this machine's onnxruntime has no CUDA provider).
Prints one JSON document (and writes it to $OUT/odin_check.json).
"""
import importlib.util
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EPS, T = 0.0014, 1000.0


def fill(folder):
    entries = json.load(open(os.path.join(folder, "weights.json")))
    size = int(open(os.path.join(folder, "weights.size")).read())
    buf = np.zeros(size // 4, dtype=np.float32)
    rng = np.random.default_rng(0)
    values = {}
    for e in entries:
        shape, name = e["shape"], e["name"]
        n = int(np.prod(shape))
        if name.endswith("gamma"):
            v = 1 + 0.1 * rng.standard_normal(n)
        elif name.endswith("beta"):
            v = 0.1 * rng.standard_normal(n)
        elif name == "head/weight":
            v = 0.01 * rng.standard_normal(n)
        elif name == "head/bias":
            v = 0.1 * rng.standard_normal(n)
        else:  # a folded kernel: zero mean, unit variance per output channel
            v = rng.standard_normal(shape).reshape(shape[0], -1)
            v = (v - v.mean(1, keepdims=True)) / v.std(1, keepdims=True)
        v = np.asarray(v, dtype=np.float32).reshape(shape)
        buf[e["offset"] // 4:e["offset"] // 4 + n] = v.ravel()
        values[name] = v
    buf.tofile(os.path.join(folder, "weights.bin"))
    return values


def reference(units, values, classes=1000):
    spec = importlib.util.spec_from_file_location(
        "ref", os.path.join(ROOT, "scripts", "fixtures", "make_trainer_fixtures.py"))
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    model = ref.ResNetV2(units, 64, classes).eval()
    for m in model.modules():
        if isinstance(m, ref.StdConv2d):
            m.forward = (lambda x, m=m: F.conv2d(x, m.weight, None, m.stride, m.padding))

    def put(param, name):
        if name in values:
            param.copy_(torch.from_numpy(values[name]).reshape(param.shape))

    with torch.no_grad():
        put(model.root.weight, "stem/weight")
        for b, block in enumerate(model.blocks):
            for u, unit in enumerate(block):
                p = "block%d/unit%02d/" % (b + 1, u + 1)
                for c in ("conv1", "conv2", "conv3"):
                    put(getattr(unit, c).weight, p + c + "/weight")
                for g in ("gn1", "gn2", "gn3"):
                    put(getattr(unit, g).weight, p + g + "/gamma")
                    put(getattr(unit, g).bias, p + g + "/beta")
                if hasattr(unit, "downsample"):
                    put(unit.downsample.weight, p + "proj/weight")
        put(model.gn.weight, "head/gamma")
        put(model.gn.bias, "head/beta")
        put(model.head.weight, "head/weight")
        put(model.head.bias, "head/bias")
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def pattern(batch, size):
    i = np.arange(batch * 3 * size * size, dtype=np.int64)
    return (((i * 7919) % 1000) / 500.0 - 1.0).astype(np.float32).reshape(batch, 3, size, size)


def sessions(folder, threads):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    cpu = ["CPUExecutionProvider"]
    return (ort.InferenceSession(os.path.join(folder, "graph.onnx"), so, providers=cpu),
            ort.InferenceSession(os.path.join(folder, "odin.onnx"), so, providers=cpu))


def softmax_max(logits, t):
    z = logits / t
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(1, keepdims=True)).max(1)


def ort_odin(fwd, odin, x):
    temps = np.full((x.shape[0], 1), T, dtype=np.float32)
    logits, grad = odin.run(["logits", "input_gradient"], {"input": x, "temperature": temps})
    perturbed = (x - EPS * np.where(grad >= 0, 1.0, -1.0)).astype(np.float32)
    return softmax_max(fwd.run(["logits"], {"input": perturbed})[0], T), grad, logits


def torch_odin(model, x, device):
    x = x.clone().to(device).requires_grad_(True)
    outputs = model(x)[0]
    loss = torch.nn.CrossEntropyLoss(reduction="sum")(outputs / T, outputs.argmax(1))
    loss.backward()
    gradient = (torch.ge(x.grad, 0).float() - 0.5) * 2
    with torch.no_grad():
        logits = model(x.detach() - EPS * gradient)[0]
    return F.softmax(logits / T, dim=1).max(1).values.cpu().numpy(), x.grad.cpu().numpy()


def clock(fn, iters, sync=lambda: None):
    fn()
    sync()
    best = float("inf")
    for _ in range(iters):
        t = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - t)
    return best * 1e3


def main():
    report = {"onnxruntime": ort.__version__, "torch": torch.__version__,
              "cuda": torch.cuda.is_available(), "eps": EPS, "T": T}
    for arg in sys.argv[1:]:
        folder, units, size, batches = arg.split(":")
        units, size = [int(u) for u in units.split(",")], int(size)
        values = fill(folder)
        model = reference(units, values)
        r = {}
        try:
            r["parity_cpu"] = parity(folder, model, size)
        except Exception as e:  # keep going: the timings are still worth having
            r["parity_cpu"] = {"error": repr(e)}
        print(json.dumps({folder: r}), flush=True)
        try:
            r["timing"] = timings(folder, model, values, units, size, batches)
        except Exception as e:
            r["timing_error"] = repr(e)
        report[os.path.basename(folder)] = r
    out = os.environ.get("OUT")
    if out:
        with open(os.path.join(out, "odin_check.json"), "w") as fh:
            json.dump(report, fh, indent=1)


def parity(folder, model, size):
        r = {}
        fwd, odin = sessions(folder, 16)
        x = pattern(2, size)
        s_ort, g_ort, l_ort = ort_odin(fwd, odin, x)
        s_ref, g_ref = torch_odin(model, torch.from_numpy(x), "cpu")
        with torch.no_grad():
            l_ref = model(torch.from_numpy(x))[0].numpy()
        r["parity_cpu"] = {
            "logits_max_abs_diff": float(np.abs(l_ort - l_ref).max()),
            "logits_max_abs": float(np.abs(l_ref).max()),
            "gradient_max_abs_diff": float(np.abs(g_ort - g_ref).max()),
            "gradient_max_abs": float(np.abs(g_ref).max()),
            "gradient_sign_agreement": float(np.mean((g_ort >= 0) == (g_ref >= 0))),
            "odin_scores_ort": s_ort.tolist(), "odin_scores_torch": s_ref.tolist(),
            "odin_max_abs_diff": float(np.abs(s_ort - s_ref).max())}
        return r["parity_cpu"]


def timings(folder, model, values, units, size, batches):
        timing = {}
        for b in [int(v) for v in batches.split("/")]:
            xb = pattern(b, size)
            for th in (1, 16):
                if th == 1 and b > 1:
                    continue
                fwd, odin = sessions(folder, th)
                iters = 3 if th == 1 else 5
                f = clock(lambda: fwd.run(["logits"], {"input": xb}), iters)
                o = clock(lambda: ort_odin(fwd, odin, xb), iters)
                timing[f"ort_cpu_b{b}_t{th}"] = {"forward_ms": f, "odin_ms": o, "ratio": o / f}
            torch.set_num_threads(16)
            xt = torch.from_numpy(xb)

            def tf(dev, m):
                with torch.no_grad():
                    m(xt.to(dev))[0].cpu()

            f = clock(lambda: tf("cpu", model), 3)
            o = clock(lambda: torch_odin(model, xt, "cpu"), 3)
            timing[f"torch_cpu_b{b}_t16"] = {"forward_ms": f, "odin_ms": o, "ratio": o / f}
            if torch.cuda.is_available():
                mc = reference(units, values).cuda()
                sync = torch.cuda.synchronize
                f = clock(lambda: tf("cuda", mc), 10, sync)
                o = clock(lambda: torch_odin(mc, xt, "cuda"), 10, sync)
                timing[f"torch_cuda_b{b}"] = {"forward_ms": f, "odin_ms": o, "ratio": o / f}
            print(json.dumps({folder: {"timing_b%d" % b: {k: v for k, v in timing.items()
                                                          if f"b{b}" in k}}}), flush=True)
        return timing


if __name__ == "__main__":
    main()
