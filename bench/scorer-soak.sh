#!/usr/bin/env bash
# Soak test of the scorer at saturation on loopback: starts the scorer with a fixed, pre-touched
# heap (so that RSS growth is not the heap being touched for the first time), drives it
# with ScorerLoad (closed-loop clients) for a fixed time, and every 30 s records the scorer's
# resident memory, the heap in use after the last collection (Micrometer's jvm_gc_live_data_size,
# G1's old generation after GC), the heap in use now, and the JVM's direct buffers. At the end it
# prints the JVM's native memory summary (what the JVM itself committed; RSS minus that is memory
# of native libraries such as ONNX Runtime) and the server's logged errors.
#
# Usage: bench/scorer-soak.sh [SECONDS] [CONCURRENCY] [MODELS_DIR MODEL] [PORT]
#   defaults: 600 s, 16 clients, the synthetic load-test bundle, port 18080 (gRPC on PORT+1000).
# Environment: HEAP (default 512m: -Xms = -Xmx), SCORER_OPTS (extra -D flags), MALLOC_ARENA_MAX
# (passed to the scorer when set; ./mos serve scorer sets 2 by default), IMAGE (a JPEG to send;
# default a 500x375 noise JPEG made here).
# Needs: ./mvnw -B -ntp -q -pl scorer,bench -am package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
concurrency=${2:-16}
models=${3:-}
model=${4:-synthetic}
port=${5:-18080}
heap=${HEAP:-512m}
work=$(mktemp -d /tmp/mos-soak.XXXXXX)
# the bench classes on the scorer's own runtime libraries (ONNX Runtime, image decoders, Jackson)
CP="bench/target/classes:common/target/classes:scorer/target/quarkus-app/lib/main/*"
if [ -z "$models" ]; then
  models="$work/models"
  java -cp "$CP" org.mos.bench.ScorerLoadBundle "$models" 224 >/dev/null
fi
image=${IMAGE:-$work/photo.jpg}
if [ ! -f "$image" ]; then
  /usr/bin/python3 - "$image" <<'PY'
import sys, numpy as np
from PIL import Image
rng = np.random.default_rng(0)
Image.fromarray(rng.integers(0, 256, (375, 500, 3), dtype=np.uint8)).save(sys.argv[1], quality=90)
PY
fi
# shellcheck disable=SC2086
java -Xms"$heap" -Xmx"$heap" -XX:+AlwaysPreTouch -XX:NativeMemoryTracking=summary ${SCORER_OPTS:-} \
  -Dscorer.models-dir="$models" -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
  -Dquarkus.grpc.server.host=127.0.0.1 -Dquarkus.grpc.server.port=$((port + 1000)) \
  -jar scorer/target/quarkus-app/quarkus-run.jar >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 120); do
  curl -sf "http://127.0.0.1:$port/q/health/ready" >/dev/null && break
  sleep 1
done
metric() { awk -v m="$1" 'index($0, m) == 1 {s += $NF} END {printf "%.0f", s / 1048576}' "$work/m.txt"; }
(
  echo "seconds rss_mib heap_live_after_gc_mib heap_used_mib direct_buffers_mib"
  start=$(date +%s)
  while kill -0 $server 2>/dev/null; do
    curl -sf "http://127.0.0.1:$port/q/metrics" >"$work/m.txt" || true
    echo "$(($(date +%s) - start)) $(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' /proc/$server/status)" \
      "$(metric jvm_gc_live_data_size_bytes) $(metric 'jvm_memory_used_bytes{area="heap"')" \
      "$(metric 'jvm_buffer_memory_used_bytes{id="direct"')"
    sleep 30
  done
) >"$work/memory.txt" &
sampler=$!
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
java -Dscorer.pid="$server" -cp "$CP" org.mos.bench.ScorerLoad "$port" "$model" "$image" "${seconds}s" "$concurrency" \
  | grep -v '^WARNING'
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
kill $sampler 2>/dev/null || true
echo "# scorer memory every 30 s (MiB):"
cat "$work/memory.txt"
echo "# JVM native memory summary at the end (committed, KB):"
jcmd $server VM.native_memory summary | grep -E 'Total:|Java Heap|Class \(|Thread \(|Code \(|GC \(|Internal|Other \(|Malloc' || true
echo "# server errors logged: $(grep -c ERROR "$work/server.log" || true); files in $work"
