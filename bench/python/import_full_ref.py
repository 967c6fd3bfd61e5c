#!/usr/bin/python3
"""Full-size torchvision classifiers for `bench/import-full.sh`: the PyTorch side of the check that
`mos import --onnx` handles real ResNet-50 and ViT-B/16 graphs (docs/import.md, bench/import.md).

Run with Debian's interpreter (torch 1.13, torchvision 0.14, Pillow):
    /usr/bin/python3 bench/python/import_full_ref.py --model resnet50 --out /tmp/mos-import-full

For --model resnet50 or vit_b_16 it writes under OUT/MODEL/ (never commit these: ~100 / ~330 MB):

- MODEL.onnx: torchvision's model with RANDOM weights (weights=None, torch.manual_seed(SEED)),
  eval mode, exported with torch.onnx.export (opset 13 like scripts/fixtures/make_import_fixtures.py,
  dynamic batch 'N', input 'input', output 'logits');
- images/imgK.png: a few seeded synthetic RGB images of different sizes and aspect ratios;
- input.npy (K, 3, 224, 224) float32: torchvision's Resize(256) + CenterCrop(224) + ToTensor +
  Normalize(ImageNet mean/std) of those images (the `--preset torchvision` recipe);
- logits.npy, features.npy (float64 forward; features = the input of the final Linear, by a forward
  hook) and logits32.npy, features32.npy (float32 forward, to show PyTorch's own float32 error);
- odin_gradient.npy: d/dx of sum over the images of CE(logits / T, argmax logits) at T = 1000
  (ODIN's cotangent), by torch autograd in float64, so the reference carries no float32 error;
  odin_gradient32.npy: the same in float32 (PyTorch's own float32 error, for scale);
- reference.json: versions, seed, opset and, with --time-iters, the PyTorch float32 time per image
  (batch 1, --threads threads) of the forward alone and of the ODIN gradient (forward + backward),
  the reference for the generic gradient graph's speed (bench/import.md). --time-only repeats just
  that timing on an existing OUT/MODEL (side by side with ImportFullCheck's ONNX Runtime timing).
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import transforms

SEED = 0
TEMPERATURE = 1000.0
SIZES = [(320, 240), (500, 375), (256, 300)]


def build(name):
    torch.manual_seed(SEED)
    if name == "resnet50":
        model = torchvision.models.resnet50(weights=None)
        last = model.fc
    elif name == "vit_b_16":
        model = torchvision.models.vit_b_16(weights=None)
        last = model.heads.head
        # torchvision initialises the ViT head to zeros: logits would be all 0 and carry no check
        torch.nn.init.normal_(last.weight, std=0.02)
        torch.nn.init.normal_(last.bias, std=0.02)
    else:
        raise SystemExit(f"unknown --model {name}: resnet50 or vit_b_16")
    return model.eval(), last


def images(out):
    rng = np.random.default_rng(SEED)
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    paths = []
    for k, (w, h) in enumerate(SIZES):
        yy, xx = np.mgrid[0:h, 0:w]
        base = np.stack([128 + 100 * np.sin(xx / (9.0 + 4 * c) + yy / (13.0 + k) + c)
                         for c in range(3)], axis=2)
        pixels = np.clip(base + rng.normal(0, 25, size=(h, w, 3)), 0, 255).astype(np.uint8)
        path = os.path.join(out, "images", f"img{k}.png")
        Image.fromarray(pixels, "RGB").save(path)
        paths.append(path)
    return paths


def forward_with_features(model, last, x):
    seen = {}
    hook = last.register_forward_hook(lambda m, inp, outp: seen.__setitem__("f", inp[0]))
    try:
        logits = model(x)
    finally:
        hook.remove()
    return logits, seen["f"]


def odin_gradient(model, x):
    x = x.clone().requires_grad_(True)
    logits = model(x)
    target = logits.argmax(dim=1)
    loss = torch.nn.functional.cross_entropy(logits / TEMPERATURE, target, reduction="sum")
    (grad,) = torch.autograd.grad(loss, x)
    return grad


def time_per_image(fn, x, iters):
    fn(x)  # warm-up
    best = float("inf")
    total = 0.0
    for _ in range(iters):
        t0 = time.perf_counter()
        fn(x)
        dt = time.perf_counter() - t0
        best = min(best, dt)
        total += dt
    return {"min_ms": 1000 * best, "mean_ms": 1000 * total / iters, "iters": iters}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--opset", type=int, default=13)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--time-iters", type=int, default=0)
    p.add_argument("--time-only", action="store_true",
                   help="only time the forward and the ODIN gradient (with --time-iters)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    out = os.path.join(a.out, a.model)
    os.makedirs(out, exist_ok=True)
    model, last = build(a.model)
    if a.time_only:
        x1 = torch.from_numpy(np.load(os.path.join(out, "input.npy"))[:1])

        def forward_only(v):
            with torch.no_grad():
                model(v)

        print(json.dumps({"torch_float32_batch1": {
            "forward": time_per_image(forward_only, x1, a.time_iters),
            "odin_gradient": time_per_image(lambda v: odin_gradient(model, v), x1,
                                            a.time_iters)}}, indent=2))
        return

    onnx_path = os.path.join(out, a.model + ".onnx")
    # not under no_grad: there torch 1.13 takes the fused attention path, which has no ONNX export
    torch.onnx.export(model, torch.randn(1, 3, 224, 224), onnx_path, opset_version=a.opset,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})

    preprocess = transforms.Compose([
        transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    x = torch.stack([preprocess(Image.open(path).convert("RGB")) for path in images(out)])
    np.save(os.path.join(out, "input.npy"), x.numpy().astype(np.float32))

    with torch.no_grad():
        logits32, features32 = forward_with_features(model, last, x)
    np.save(os.path.join(out, "logits32.npy"), logits32.numpy().astype(np.float32))
    np.save(os.path.join(out, "features32.npy"), features32.numpy().astype(np.float32))

    # PyTorch's own float32 gradient, to show how far float32 arithmetic alone is from float64
    np.save(os.path.join(out, "odin_gradient32.npy"), odin_gradient(model, x).numpy())

    report = {"torch": torch.__version__, "torchvision": torchvision.__version__, "seed": SEED,
              "opset": a.opset, "threads": a.threads, "images": len(SIZES)}
    if a.time_iters > 0:
        x1 = x[:1]

        def forward(v):
            with torch.no_grad():
                model(v)

        report["torch_float32_batch1"] = {
            "forward": time_per_image(forward, x1, a.time_iters),
            "odin_gradient": time_per_image(lambda v: odin_gradient(model, v), x1, a.time_iters)}

    model64 = model.double()
    x64 = x.double()
    with torch.no_grad():
        logits64, features64 = forward_with_features(model64, last, x64)
    np.save(os.path.join(out, "logits.npy"), logits64.numpy().astype(np.float32))
    np.save(os.path.join(out, "features.npy"), features64.numpy().astype(np.float32))
    grad = odin_gradient(model64, x64)
    np.save(os.path.join(out, "odin_gradient.npy"), grad.numpy().astype(np.float32))

    report["torch_float32_vs_float64"] = {
        "logits_max_abs": float((logits32.double() - logits64).abs().max()),
        "features_max_abs": float((features32.double() - features64).abs().max())}
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
