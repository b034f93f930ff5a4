#!/usr/bin/env bash
# Idle memory of one worker process, compiled (node dist/worker/main.js, as the image runs it) against
# tsx (npm run worker), measured the same way: start it against a throwaway `temporal server start-dev`
# on free loopback ports, wait until it polls, let it sit idle, then sum VmRSS over the process tree
# (tsx runs the program in a child node process). Needs `npm run build` first and the Temporal CLI
# (npm run temporal:provision). Prints one line per mode.
#
#   bash scripts/docker/worker-rss.sh [idle-seconds=20]
set -euo pipefail
cd "$(dirname "$0")/../.."
IDLE=${1:-20}
TEMPORAL=${TEMPORAL_CLI_PATH:-$(command -v temporal || echo "$HOME/go/bin/temporal")}
[ -x "$TEMPORAL" ] || { echo "worker-rss: no Temporal CLI (npm run temporal:provision)" >&2; exit 1; }
[ -f dist/worker/main.js ] && [ -f dist/workflow-bundle.js ] || { echo "worker-rss: run npm run build first" >&2; exit 1; }

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
WORK=$(mktemp -d /tmp/vlens-worker-rss.XXXXXX)
PORT=$(free_port); UI_PORT=$(free_port)
"$TEMPORAL" server start-dev --ip 127.0.0.1 --port "$PORT" --ui-port "$UI_PORT" --headless --log-level error \
  --search-attribute ActivationState=Keyword --search-attribute VlensRequestId=Keyword --search-attribute ActivationTenant=Keyword >"$WORK/temporal.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 60); do "$TEMPORAL" operator cluster health --address "127.0.0.1:$PORT" 2>/dev/null | grep SERVING >/dev/null && break; sleep 0.5; done

tree_rss_kb() { # VmRSS of a pid and all its descendants
  local total=0 pid
  for pid in $1 $(pgrep -P "$1" || true); do
    [ "$pid" = "$1" ] || { total=$((total + $(tree_rss_kb "$pid"))); continue; }
    total=$((total + $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

measure() { # label, command...
  local label=$1; shift
  local queue="rss-$RANDOM$RANDOM" started pid
  started=$(date +%s%N)
  env TEMPORAL_ADDRESS="127.0.0.1:$PORT" TEMPORAL_TASK_QUEUE="$queue" DATA_DIR="$WORK/data" VLENS_BASE_URL=http://127.0.0.1:9 \
    "$@" >"$WORK/$label.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 240); do grep -q 'state: .RUNNING' "$WORK/$label.log" 2>/dev/null && break; sleep 0.25; done
  local ready_ms=$((($(date +%s%N) - started) / 1000000))
  sleep "$IDLE"
  printf '%-34s ready in %6d ms, idle RSS %4d MiB\n' "$label" "$ready_ms" $(($(tree_rss_kb "$pid") / 1024))
  kill -INT "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
}

measure compiled+prebuilt-bundle node --enable-source-maps dist/worker/main.js
measure tsx+prebuilt-bundle env WORKFLOW_BUNDLE_PATH="$PWD/dist/workflow-bundle.js" node_modules/.bin/tsx worker/main.ts
measure tsx+bundle-at-start node_modules/.bin/tsx worker/main.ts
