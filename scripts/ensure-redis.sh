#!/usr/bin/env bash
# `npm test` runs this first (package.json "pretest", after scripts/ensure-chromium.sh). The shared-limit
# tests (test/gateway/shared-limits.test.ts) start their own redis-server, Debian's package, on a free port
# (test/redis-server.ts finds it the same way: REDIS_SERVER_PATH, else `redis-server` on PATH). When it is
# missing this installs it from Debian's packages if this user may (root, or passwordless sudo); otherwise
# it stops the run before any test with the one command to run.
set -euo pipefail

say() { echo "[redis] $*" >&2; }

if [ -n "${REDIS_SERVER_PATH:-}" ]; then
  if [ -f "$REDIS_SERVER_PATH" ] && [ -x "$REDIS_SERVER_PATH" ]; then exit 0; fi
  say "REDIS_SERVER_PATH=$REDIS_SERVER_PATH is not an executable file."
  say "Point it at a redis-server binary, or unset it and run: sudo apt-get install redis-server"
  exit 1
fi
if command -v redis-server >/dev/null 2>&1; then exit 0; fi

if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  say "redis-server is missing (none on PATH, no REDIS_SERVER_PATH) and this user may not install packages."
  say "Run: sudo apt-get install redis-server    (or: REDIS_SERVER_PATH=/path/to/redis-server npm test)"
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "redis-server is missing and this machine has no apt-get: install Redis with its package manager,"
  say "then run: REDIS_SERVER_PATH=/path/to/redis-server npm test"
  exit 1
fi

say "redis-server is missing; installing it from Debian's packages..."
"${as_root[@]}" apt-get update -qq
# --no-install-recommends: the server binary only; the tests start it themselves, never as a service.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
if ! command -v redis-server >/dev/null 2>&1; then
  say "apt-get installed redis-server, yet it is not on PATH (PATH=$PATH); set REDIS_SERVER_PATH."
  exit 1
fi
say "installed $(command -v redis-server)"
