#!/usr/bin/env bash
# The matrix-product benchmarks of BENCHMARKS.md ("BLAS"), each Java harness right after its
# NumPy/faiss reference, one BLAS thread each (OPENBLAS_NUM_THREADS=1, one fork/join thread).
# Usage: bench/blas-bench.sh DATA_DIR CLASSPATH [vim,head,dice,react,knn] [kl] [fit]
# (fit: the Mahalanobis layer at d = 2048 over 2,000 rows, fewer than d, and over 8,000 rows;
# one first run and three timed runs on each side)
set -euo pipefail
dir=$1
cp=$2
methods=${3:-vim,head,knn}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
java_run() {
  /usr/bin/time -f "  process: user %U s, sys %S s, wall %e s" \
    java -Xmx6g -Djava.util.concurrent.ForkJoinPool.common.parallelism=1 -cp "$cp" "$@"
}
py_run() {
  /usr/bin/time -f "  process: user %U s, sys %S s, wall %e s" /usr/bin/python3 "$@"
}
for m in ${methods//,/ }; do
  py_run bench/python/blas_ref.py "$dir" 2 "$m"
  java_run org.mos.bench.BlasBench "$dir" 2 "$m" 2>&1 | grep -v -e VectorBLAS -e initializeJava
done
if [ "${4:-}" = kl ]; then
  py_run bench/python/scores_ref.py --methods kl --repeats 1
  java_run org.mos.bench.ScoresBench --threads 1 --methods kl --repeats 1 2>&1 | grep -v -e VectorBLAS -e initializeJava
fi
if [ "${5:-}" = fit ]; then
  py_run bench/python/fit_ref.py --layers-only 3 2048 2048:8000
  java_run org.mos.bench.FitBench --layers-only 3 2048 2048:8000 2>&1 | grep -v -e VectorBLAS -e initializeJava
fi
