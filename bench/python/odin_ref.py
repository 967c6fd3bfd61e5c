#!/usr/bin/python3
"""PyTorch eager reference for the ODIN input-perturbation benchmark (bench/odin.md).

Same random weights as bench/python/onnx_ref.py (torch.manual_seed(0), written as BiT .npz for
`import --bit-npz`), kernels standardised once (the 'folded' variant, like the ONNX graph),
float32, eval. Times, per run, a forward-only pass (no_grad) and ODIN with epsilon > 0 as the MOS
paper's script computes it (forward with input gradient, cross-entropy of logits / T against the
prediction, backward, sign step on the normalised input, second forward), and saves the ODIN
scores of the first run's input so the Java side can compare.

  /usr/bin/python3 bench/python/odin_ref.py --arch R50x1 --npz /tmp/odinbench/r50x1.npz \
      --runs 224:1:5,224:8:2 --threads 1 --eps 0.0014 --temperature 1000 \
      --scores /tmp/odinbench/r50x1_odin.npy
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "fixtures"))
from make_trainer_fixtures import ResNetV2  # noqa: E402
from onnx_ref import ARCHS, bench_input, bit_npz, fold_standardisation  # noqa: E402


def odin(model, x, eps, temper):
    """The MOS paper's iterate_data_odin for one batch (test_baselines.py)."""
    x = x.clone().requires_grad_(True)
    outputs = model(x)[0]
    labels = torch.argmax(outputs, dim=1)
    loss = torch.nn.CrossEntropyLoss()(outputs / temper, labels)
    loss.backward()
    gradient = (torch.ge(x.grad.data, 0).float() - 0.5) * 2
    perturbed = torch.add(x.data, gradient, alpha=-eps)
    with torch.no_grad():
        logits = model(perturbed)[0]
    return F.softmax(logits / temper, dim=1).max(dim=1).values


def timed(fn, iters):
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return sum(times) / iters, min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=sorted(ARCHS), required=True)
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--npz", help="write the weights here (BiT format)")
    ap.add_argument("--runs", default="224:1:5", help="size:batch:iterations,...")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--eps", type=float, default=0.0014)
    ap.add_argument("--temperature", type=float, default=1000.0)
    ap.add_argument("--scores", help="save the ODIN scores of the first run here")
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    model = ResNetV2(ARCHS[args.arch], 64, args.classes).eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.GroupNorm):
                m.weight.uniform_(0.75, 1.25)
                m.bias.uniform_(-0.1, 0.1)
        model.head.weight.normal_(0, 0.01)
        model.head.bias.uniform_(-0.1, 0.1)
    if args.npz:
        bit_npz(model, args.npz)
    fold_standardisation(model)
    for p in model.parameters():
        p.requires_grad_(False)
    print("arch,size,batch,iterations,threads,forward_mean_ms,forward_min_ms,odin_mean_ms,"
          "odin_min_ms,ratio_at_min")
    for k, run in enumerate(args.runs.split(",")):
        size, batch, iters = (int(v) for v in run.split(":"))
        x = torch.from_numpy(bench_input(batch, size))
        if k == 0 and args.scores:
            np.save(args.scores, odin(model, x, args.eps, args.temperature).detach().numpy())
        elif iters > 1:  # warm-up; a run of one iteration has none (as OdinBench)
            odin(model, x, args.eps, args.temperature)

        def forward():
            with torch.no_grad():
                model(x)

        f_mean, f_min = timed(forward, iters)
        o_mean, o_min = timed(lambda: odin(model, x, args.eps, args.temperature), iters)
        print("%s,%d,%d,%d,%d,%.1f,%.1f,%.1f,%.1f,%.2f" % (args.arch, size, batch, iters,
                                                          args.threads, f_mean, f_min, o_mean,
                                                          o_min, o_min / f_min), flush=True)


if __name__ == "__main__":
    main()
