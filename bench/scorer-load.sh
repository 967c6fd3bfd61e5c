#!/usr/bin/env bash
# Scorer load test with a real bundle, micro-batching on and off alternately: for each round and
# each setting it starts the scorer on MODELS_DIR, runs ScorerLoad (with the raw-inference baseline
# of the same bundle in the load generator's JVM) and stops the scorer.
# Usage: bench/scorer-load.sh MODELS_DIR MODEL IMAGE REQUESTS LEVELS [ROUNDS] [SETTINGS]
#   SETTINGS: words "on" (batching, 1 runner), "on:N" (N runners), "off"; default "on off"
#   e.g. bench/scorer-load.sh /tmp/scorerperf/models r50x1-128 photo.jpg 120 1,4,16 2 "on off"
# Extra scorer flags: SCORER_OPTS (e.g. "-Dscorer.batching.max-wait=0ms").
# Needs: ./mvnw -B -ntp -q -pl scorer,bench -am package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
models=$1 model=$2 image=$3 requests=$4 levels=$5 rounds=${6:-1} settings=${7:-"on off"}
work=$(mktemp -d /tmp/mos-load.XXXXXX)
# the bench classes on the scorer's own runtime libraries (ONNX Runtime, image decoders, Jackson)
CP="bench/target/classes:common/target/classes:scorer/target/quarkus-app/lib/main/*"
for round in $(seq "$rounds"); do
  for setting in $settings; do
    batching=true runners=1
    case "$setting" in
      off) batching=false ;;
      on:*) runners=${setting#on:} ;;
    esac
    # shellcheck disable=SC2086
    java ${SCORER_OPTS:-} -Dscorer.models-dir="$models" -Dscorer.batching.enabled="$batching" \
      -Dscorer.batching.runners="$runners" \
      -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=18080 \
      -Dquarkus.grpc.server.host=127.0.0.1 -Dquarkus.grpc.server.port=19080 \
      -jar scorer/target/quarkus-app/quarkus-run.jar >"$work/server-$round-$setting.log" 2>&1 &
    server=$!
    for _ in $(seq 120); do
      curl -sf http://127.0.0.1:18080/q/health/ready >/dev/null && break
      sleep 1
    done
    echo "# round $round, batching $setting, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    java -Dscorer.pid="$server" -cp "$CP" org.mos.bench.ScorerLoad 18080 "$model" "$image" "$requests" "$levels" \
      "$models/$model" | grep -v '^WARNING'
    echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg);" \
      "server errors logged: $(grep -c ERROR "$work/server-$round-$setting.log" || true)"
    kill "$server"
    wait "$server" 2>/dev/null || true
  done
done
