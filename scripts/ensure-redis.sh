#!/usr/bin/env bash
# `npm test` runs this first (package.json "pretest", after scripts/ensure-chromium.sh). The shared-limit
# tests (test/gateway/shared-limits.test.ts) start their own redis-server, Debian's package, on a free port
# (test/redis-server.ts finds it the same way: REDIS_SERVER_PATH, else `redis-server` on PATH). Installing or
# stopping is ensure-debian-tool.sh's; --no-install-recommends: the binary only, never a running service.
set -euo pipefail
# No dirname/bash from PATH: the unprivileged check (test/scripts/ensure-chromium.test.ts) runs with a bare PATH.
here=${BASH_SOURCE[0]%/*}
[ "$here" = "${BASH_SOURCE[0]}" ] && here=.
exec "$BASH" "$here/ensure-debian-tool.sh" redis redis-server redis-server REDIS_SERVER_PATH "redis-server" \
  --no-install-recommends
