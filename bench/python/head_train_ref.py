#!/usr/bin/python3
"""PyTorch reference for HeadTrainBench: one epoch of a linear head (logits = x W^T + b) trained on
in-memory features with MOS's group softmax loss (cross-entropy of every group's slice, summed over
groups, averaged over the batch) and SGD momentum 0.9, batches drawn from a random permutation.

Usage: /usr/bin/python3 bench/python/head_train_ref.py ROWS DIM GROUP_SIZES BATCH THREADS
(GROUP_SIZES comma-separated; each group has one more logit, "others").
Prints one line: "pytorch epoch_s S cpu_s C steady_step_ms M steps K" (C: this thread's CPU time).
"""
import os
import sys

# Debian's torch runs its GEMMs in OpenBLAS's pool, which torch.set_num_threads does not size.
os.environ.setdefault("OPENBLAS_NUM_THREADS", sys.argv[5] if len(sys.argv) > 5 else "1")

import time  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def main():
    rows, dim = int(sys.argv[1]), int(sys.argv[2])
    sizes = [int(s) for s in sys.argv[3].split(",")]
    batch, threads = int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    logits = sum(s + 1 for s in sizes)
    x_all = torch.rand(rows, dim)
    y_all = torch.stack([torch.randint(0, s + 1, (rows,)) for s in sizes], dim=1)
    head = torch.nn.Linear(dim, logits)
    with torch.no_grad():
        head.weight.zero_()
        head.bias.zero_()
    optim = torch.optim.SGD(head.parameters(), lr=0.003, momentum=0.9)
    starts = []
    s = 0
    for size in sizes:
        starts.append((s, s + size + 1))
        s += size + 1
    perm = torch.randperm(rows)
    steps = rows // batch
    times = []
    t_epoch = time.perf_counter()
    c_epoch = time.thread_time()
    for i in range(steps):
        t0 = time.perf_counter()
        idx = perm[i * batch:(i + 1) * batch]
        x = x_all[idx]
        y = y_all[idx]
        out = head(x)
        loss = sum(F.cross_entropy(out[:, a:b], y[:, g]) for g, (a, b) in enumerate(starts))
        optim.zero_grad()
        loss.backward()
        optim.step()
        loss.item()
        times.append(time.perf_counter() - t0)
    epoch = time.perf_counter() - t_epoch
    cpu = time.thread_time() - c_epoch
    steady = sorted(times[3:])[len(times[3:]) // 2] if len(times) > 3 else times[-1]
    print("pytorch epoch_s %.2f cpu_s %.2f steady_step_ms %.1f steps %d"
          % (epoch, cpu, steady * 1e3, steps))


if __name__ == "__main__":
    main()
