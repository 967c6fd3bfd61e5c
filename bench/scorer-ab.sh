#!/usr/bin/env bash
# Side-by-side scorer load test of two builds (and settings), alternating round by round, so that
# both see the same machine: for each round, each "LABEL=CHECKOUT[:SCORER_OPTS]" runs that
# checkout's own bench/scorer-load.sh (its jar, its load generator) with batching on.
# Usage: bench/scorer-ab.sh MODELS_DIR MODEL IMAGE REQUESTS LEVELS ROUNDS LABEL=CHECKOUT[:OPTS] ...
#   e.g. bench/scorer-ab.sh /tmp/ab/models synthetic /tmp/ab/photo.jpg 300 1,16 2 \
#          before=/tmp/before after=/tmp/after "monitoring-off=/tmp/after:-Dscorer.monitoring.enabled=false"
# Each checkout needs: ./mvnw -B -ntp -q -pl scorer,bench -am package -DskipTests
set -euo pipefail
models=$1 model=$2 image=$3 requests=$4 levels=$5 rounds=$6
shift 6
for round in $(seq "$rounds"); do
  for spec in "$@"; do
    label=${spec%%=*} rest=${spec#*=}
    checkout=${rest%%:*} opts=""
    [[ "$rest" == *:* ]] && opts=${rest#*:}
    echo "## round $round: $label ($checkout ${opts})"
    SCORER_OPTS="$opts" "$checkout/bench/scorer-load.sh" "$models" "$model" "$image" "$requests" "$levels" 1 on
  done
done
