#!/usr/bin/python3
"""Pillow reference for bench/image.md: decode + resize 480 bilinear + normalise + CHW float32.

  /usr/bin/python3 bench/python/preprocess_ref.py make-set DIR    # writes the benchmark JPEGs
  /usr/bin/python3 bench/python/preprocess_ref.py run DIR [REPEATS] [PROCESSES]

The operations are the paper's test transform: Image.open(f).convert('RGB'),
resize((480, 480), BILINEAR), ToTensor (x / 255 as float32, HWC -> CHW), Normalize(0.5, 0.5).
"""
import os
import shutil
import sys
import time
from multiprocessing import Pool

import numpy as np
from PIL import Image

SK = "/usr/lib/python3/dist-packages/sklearn/datasets/images"


def make_set(out):
    """The two sklearn photos (640x427) plus 8 ImageNet-like 500x375 JPEGs cut from them."""
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    photos = []
    for name in ("china", "flower"):
        im = Image.open(os.path.join(SK, name + ".jpg")).convert("RGB")
        shutil.copy(os.path.join(SK, name + ".jpg"), out)  # the original files, byte for byte
        photos.append(im)
    for k in range(8):
        src = photos[k % 2]
        x0, y0 = int(rng.integers(0, 140)), int(rng.integers(0, 52))
        crop = src.crop((x0, y0, x0 + 500, y0 + 375))
        if k % 4 == 3:
            crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
        arr = np.asarray(crop).astype(np.int16) + rng.integers(-6, 7, (375, 500, 3))
        Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(
            os.path.join(out, "imagenet_like_%d.jpg" % k), quality=90)
    print("wrote", out)


def preprocess(path, size=480):
    with Image.open(path) as im:
        img = im.convert("RGB").resize((size, size), Image.BILINEAR)
    x = np.asarray(img, dtype=np.float32) / 255.0
    x = (x - 0.5) / 0.5
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def checksum(path):
    return float(preprocess(path).sum())


def run(d, repeats, processes):
    files = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".jpg"))
    work = files * repeats
    for f in files:  # warm-up, page cache
        preprocess(f)
    t, cpu = time.perf_counter(), time.process_time()
    for f in work:
        preprocess(f)
    single = len(work) / (time.perf_counter() - t)
    per_cpu = len(work) / (time.process_time() - cpu)
    # decode alone and resize+normalise alone, single thread
    t = time.process_time()
    decoded = []
    for f in work[: len(files) * 2]:
        with Image.open(f) as im:
            decoded.append(im.convert("RGB"))
    dec = len(decoded) / (time.process_time() - t)
    t = time.process_time()
    for im in decoded:
        x = np.asarray(im.resize((480, 480), Image.BILINEAR), dtype=np.float32) / 255.0
        np.ascontiguousarray(((x - 0.5) / 0.5).transpose(2, 0, 1))
    res = len(decoded) / (time.process_time() - t)
    with Pool(processes) as pool:
        pool.map(checksum, files)
        t = time.perf_counter()
        pool.map(checksum, work, chunksize=8)
        multi = len(work) / (time.perf_counter() - t)
    print("pillow: %d images (%d files x %d)" % (len(work), len(files), repeats))
    print("pillow single thread: %.1f images/s wall, %.1f images per CPU second"
          " (per CPU second: decode only %.1f, resize+normalise only %.1f)" % (single, per_cpu, dec, res))
    print("pillow %d processes: %.1f images/s" % (processes, multi))


if __name__ == "__main__":
    if sys.argv[1] == "make-set":
        make_set(sys.argv[2])
    else:
        run(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 20,
            int(sys.argv[4]) if len(sys.argv) > 4 else os.cpu_count())
