#!/usr/bin/python3
"""PyTorch side of TrainStepProfile: medians of forward (with the loss), backward and optimiser
(step + zero_grad) of the reference ResNetV2, then a few steps under torch.autograd.profiler,
written as a chrome trace (summarise with trace_summary.py).

Usage: /usr/bin/python3 bench/python/train_profile_ref.py variant batch size open steps trace.json [threads]
(open: 0 head only, -1 everything)
"""
import os
import sys
import time

# see train_ref.py: OpenBLAS's thread pool is not sized by torch.set_num_threads
os.environ.setdefault("OPENBLAS_NUM_THREADS", sys.argv[7] if len(sys.argv) > 7 else "1")

import numpy as np  # noqa: E402
import torch
import torch.nn.functional as F

from train_ref import model_for


def main():
    variant, batch, size, open_, steps, trace = sys.argv[1:7]
    batch, size, open_, steps = int(batch), int(size), int(open_), int(steps)
    torch.set_num_threads(int(sys.argv[7]) if len(sys.argv) > 7 else 1)
    torch.manual_seed(1)
    model = model_for(variant).train()
    for name, p in model.named_parameters():
        p.requires_grad = open_ == -1 or name.startswith("head")
    optim = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.003,
                            momentum=0.9)
    x = torch.rand(batch, 3, size, size) * 2 - 1
    y = torch.arange(batch) % 10

    def step(times=None):
        t0 = time.perf_counter()
        loss = F.cross_entropy(model(x)[0], y)
        t1 = time.perf_counter()
        loss.backward()
        loss.item()
        t2 = time.perf_counter()
        optim.step()
        optim.zero_grad()
        t3 = time.perf_counter()
        if times is not None:
            times.append(((t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3))

    step()
    step()
    times = []
    for _ in range(steps):
        step(times)
    med = np.median(np.array(times), axis=0)
    print("%s batch %d size %d open %d: forward+loss %.1f ms, backward %.1f ms, optimiser %.1f ms"
          " (medians, torch %s)" % (variant, batch, size, open_, med[0], med[1], med[2],
                                    torch.__version__))
    with torch.autograd.profiler.profile() as prof:
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        ms = (time.perf_counter() - t0) * 1e3 / steps
    prof.export_chrome_trace(trace)
    print("%.1f ms per profiled step, trace %s" % (ms, trace))


if __name__ == "__main__":
    main()
