#!/usr/bin/env bash
# Soak test of the scorer at saturation on loopback: starts the scorer on the synthetic load-test
# bundle, drives it with ScorerLoad (16 closed-loop clients) for a bounded number of requests,
# and samples the scorer's resident memory every 30 s. Prints the load report and the RSS series.
# Usage: bench/scorer-soak.sh [REQUESTS] [CONCURRENCY]   (defaults 40000 and 16: about 10 minutes
# on a 2-core machine). Needs: ./mvnw -B -ntp -q -pl scorer,bench -am package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-40000}
concurrency=${2:-16}
work=$(mktemp -d /tmp/mos-soak.XXXXXX)
./mvnw -B -ntp -q -pl bench dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null
CP="bench/target/mos-bench-0.1.0-SNAPSHOT.jar:common/target/classes:$(cat "$work/cp.txt")"
java -cp "$CP" org.mos.bench.ScorerLoadBundle "$work/models" 224 >/dev/null
/usr/bin/python3 - "$work/photo.jpg" <<'PY'
import sys, numpy as np
from PIL import Image
rng = np.random.default_rng(0)
Image.fromarray(rng.integers(0, 256, (375, 500, 3), dtype=np.uint8)).save(sys.argv[1], quality=90)
PY
java -Dscorer.models-dir="$work/models" -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=18080 \
  -Dquarkus.grpc.server.host=127.0.0.1 -Dquarkus.grpc.server.port=19080 \
  -jar scorer/target/quarkus-app/quarkus-run.jar >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 60); do
  curl -sf http://127.0.0.1:18080/q/health/ready >/dev/null && break
  sleep 1
done
(
  while kill -0 $server 2>/dev/null; do
    echo "$(date +%s) $(awk '/VmRSS/ {print $2}' /proc/$server/status)"
    sleep 30
  done
) >"$work/rss.txt" &
sampler=$!
java -cp "$CP" org.mos.bench.ScorerLoad 18080 synthetic "$work/photo.jpg" "$requests" "$concurrency"
kill $sampler 2>/dev/null || true
echo "# resident memory of the scorer (epoch seconds, kB), every 30 s:"
cat "$work/rss.txt"
echo "# server errors logged: $(grep -c ERROR "$work/server.log" || true)"
