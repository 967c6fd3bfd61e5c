#!/usr/bin/env bash
# `mos import --onnx` on full-size torchvision models (ResNet-50, ViT-B/16, random weights) checked
# against PyTorch: logits, features and the ODIN input gradient (bench/import.md).
#
#   bench/import-full.sh [MODEL ...]        (default: resnet50 vit_b_16)
#
# Needs Debian's /usr/bin/python3 with python3-torch, python3-torchvision, python3-pil, and GNU time
# (apt-get install -y time). Everything generated goes under $WORK (default /tmp/mos-import-full):
# the ONNX files are ~100 MB (ResNet-50) and ~330 MB (ViT-B/16); never commit them. Run the models
# one at a time on a shared machine (the ViT's import holds a few GB).
# Environment: WORK, THREADS (ONNX Runtime and PyTorch threads, default 1), ITERS (timing
# iterations at batch 1, default 3), JAVA_OPTS (for the import, e.g. -Xmx6g), FRESH= (empty: keep
# an existing reference and ONNX file instead of making them again).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${WORK:-/tmp/mos-import-full}"
THREADS="${THREADS:-1}"
ITERS="${ITERS:-3}"
MODELS=("$@")
[ ${#MODELS[@]} -gt 0 ] || MODELS=(resnet50 vit_b_16)
cd "$ROOT"

if [ ! -f trainer/target/quarkus-app/quarkus-run.jar ] || [ ! -d bench/target/classes ]; then
  ./mvnw -B -ntp -q -DskipTests -pl trainer,bench -am package
fi
CP="bench/target/classes:trainer/target/classes:common/target/classes:trainer/target/quarkus-app/lib/main/*"
mkdir -p "$WORK"

for model in "${MODELS[@]}"; do
  ref="$WORK/$model"
  if [ -n "${FRESH-1}" ] || [ ! -f "$ref/reference.json" ]; then
    echo "== $model: PyTorch reference and ONNX export ($ref)"
    /usr/bin/python3 bench/python/import_full_ref.py --model "$model" --out "$WORK" \
        --threads "$THREADS" --time-iters "$ITERS"
  fi
  ls -l "$ref/$model.onnx"
  echo "== $model: mos import --onnx (with gradient graphs)"
  # shellcheck disable=SC2086
  /usr/bin/time -v -o "$ref/import-time.txt" java ${JAVA_OPTS:-} \
      -jar trainer/target/quarkus-app/quarkus-run.jar import --onnx "$ref/$model.onnx" \
      --preset torchvision --layout flat --out "$ref/bundle" --replace
  grep -E "Elapsed|Maximum resident|User time|System time" "$ref/import-time.txt"
  du -sh "$ref/bundle"
  echo "== $model: bundle vs PyTorch"
  java -cp "$CP" org.mos.bench.ImportFullCheck "$ref/bundle" "$ref" "$THREADS" "$ITERS"
done
