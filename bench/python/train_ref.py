#!/usr/bin/python3
"""PyTorch reference for TrainStepBench: the same ResNetV2 (the fixture script's, BiT's code),
same sizes, timed the same way: inference forward, and a finetuning step (forward, backward,
SGD momentum 0.9) with only the head open and with everything open.

Usage: /usr/bin/python3 bench/python/train_ref.py [r50x1|small] [batch] [size] [steps] [warmup] [threads]
"""
import os
import sys
import time

# Debian's torch does its GEMMs in OpenBLAS's own thread pool, which torch.set_num_threads does not
# size: without this the "1 thread" reference runs its 1x1 convolutions on two threads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", sys.argv[6] if len(sys.argv) > 6 else "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "fixtures"))
from make_trainer_fixtures import ResNetV2  # noqa: E402


def model_for(variant):
    if variant == "small":
        return ResNetV2([2, 1, 1, 2], 32, 10)
    return ResNetV2([3, 4, 6, 3], 64, 10)


def summary(times):
    """Wall time (median, min) and this thread's CPU time (median), which load disturbs less."""
    wall = [t[0] for t in times]
    cpu = [t[1] for t in times]
    return "median %.1f ms  min %.1f ms  cpu median %.1f ms" % (
        float(np.median(wall)), float(np.min(wall)), float(np.median(cpu)))


def bench_forward(variant, batch, size, steps, warmup):
    model = model_for(variant).eval()
    times = []
    with torch.no_grad():
        for i in range(-warmup, steps):
            x = torch.randn(batch, 3, size, size)
            t0 = time.perf_counter()
            c0 = time.thread_time()
            model(x)[0].numpy()
            if i >= 0:
                times.append(((time.perf_counter() - t0) * 1e3, (time.thread_time() - c0) * 1e3))
    return summary(times)


def bench_train(variant, batch, size, steps, warmup, open_all):
    model = model_for(variant).train()
    for name, p in model.named_parameters():
        p.requires_grad = open_all or name.startswith("head")
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.SGD(params, lr=0.003, momentum=0.9)
    x = torch.rand(batch, 3, size, size) * 2 - 1
    y = torch.arange(batch) % 10
    times = []
    for i in range(-warmup - 1, steps):
        t0 = time.perf_counter()
        c0 = time.thread_time()
        logits = model(x)[0]
        loss = F.cross_entropy(logits, y)
        loss.backward()
        optim.step()
        optim.zero_grad()
        loss.item()
        if i >= 0:
            times.append(((time.perf_counter() - t0) * 1e3, (time.thread_time() - c0) * 1e3))
    return summary(times)


def main():
    a = sys.argv[1:]
    variant = a[0] if len(a) > 0 else "r50x1"
    batch = int(a[1]) if len(a) > 1 else 8
    size = int(a[2]) if len(a) > 2 else 128
    steps = int(a[3]) if len(a) > 3 else 5
    warmup = int(a[4]) if len(a) > 4 else 2
    threads = int(a[5]) if len(a) > 5 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    print("variant %s batch %d size %d steps %d warmup %d threads %d torch %s"
          % (variant, batch, size, steps, warmup, threads, torch.__version__))
    print("forward (inference)  %s" % bench_forward(variant, batch, size, steps, warmup))
    print("train step open=0    %s" % bench_train(variant, batch, size, steps, warmup, False))
    print("train step open=-1   %s" % bench_train(variant, batch, size, steps, warmup, True))


if __name__ == "__main__":
    main()
