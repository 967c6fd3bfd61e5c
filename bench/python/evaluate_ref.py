#!/usr/bin/python3
"""PyTorch reference for the evaluate benchmark (bench/evaluate.md): the MOS paper's way of
scoring a test set -- a DataLoader with worker processes decoding and resizing images with PIL,
the model in eager mode -- against the same model's forward pass on a batch made beforehand.

  /usr/bin/python3 bench/python/evaluate_ref.py --images /tmp/evb/images-64 --arch R50x1 \
      --size 128 --batch 16 --workers 2 --threads 2 --rounds 2

The model is BiT's ResNetV2 of scripts/fixtures/make_trainer_fixtures.py with random weights and
the kernels standardised once (as the ONNX graph has them); the weights do not change the time.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from onnx_ref import ARCHS, fold_standardisation  # noqa: E402
from make_trainer_fixtures import ResNetV2  # noqa: E402


class Folder(torch.utils.data.Dataset):
    def __init__(self, root, size):
        self.files = sorted(os.path.join(root, f) for f in os.listdir(root))
        self.size = size

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        img = Image.open(self.files[i]).convert("RGB").resize((self.size, self.size), Image.BILINEAR)
        x = np.asarray(img, dtype=np.float32) / 255.0
        x = (x - 0.5) / 0.5
        return torch.from_numpy(x.transpose(2, 0, 1).copy())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", required=True)
    ap.add_argument("--arch", choices=sorted(ARCHS), default="R50x1")
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = ResNetV2(ARCHS[args.arch], 64, args.classes).eval()
    fold_standardisation(model)
    data = Folder(args.images, args.size)
    n = len(data)
    print("round,raw_images_per_s,pipeline_images_per_s,ratio")
    with torch.no_grad():
        x = data[0].unsqueeze(0).repeat(args.batch, 1, 1, 1)
        model(x)  # warm-up
        for r in range(1, args.rounds + 1):
            runs = (n + args.batch - 1) // args.batch
            start = time.perf_counter()
            for _ in range(runs):
                model(x)
            raw = runs * args.batch / (time.perf_counter() - start)
            loader = torch.utils.data.DataLoader(
                data, batch_size=args.batch, num_workers=args.workers, shuffle=False)
            start = time.perf_counter()
            seen = 0
            for batch in loader:
                logits = model(batch)[0]
                torch.softmax(logits, dim=1).max(dim=1)  # MSP, as the paper's script scores
                seen += batch.shape[0]
            pipe = seen / (time.perf_counter() - start)
            print("%d,%.2f,%.2f,%.3f" % (r, raw, pipe, pipe / raw), flush=True)


if __name__ == "__main__":
    main()
