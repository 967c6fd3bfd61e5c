#!/usr/bin/env bash
# KNN's HNSW index (jvector, org.mos.bench.KnnIndexBench) right after faiss IndexHNSWFlat with the
# same M, efConstruction and efSearch (bench/python/knn_index_ref.py, which also writes the data and
# the exact neighbours), one thread each. Results: bench/knn-index.md.
# Usage: bench/knn-index-bench.sh DATA_DIR CLASSPATH [rows] [dims] [M] [efConstruction] [efSearch]
set -euo pipefail
dir=$1
cp=$2
rows=${3:-50000}
dims=${4:-256}
m=${5:-16}
efc=${6:-100}
efs=${7:-200}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
/usr/bin/time -f "  process: user %U s, sys %S s, wall %e s" \
  /usr/bin/python3 bench/python/knn_index_ref.py "$dir" "$rows" "$dims" "$m" "$efc" "$efs"
/usr/bin/time -f "  process: user %U s, sys %S s, wall %e s" \
  java -Xmx4g -Djava.util.concurrent.ForkJoinPool.common.parallelism=1 -cp "$cp" \
  org.mos.bench.KnnIndexBench "$dir" "$m" "$efc" "$efs" 2>&1 | grep -v -e VectorBLAS -e initializeJava
