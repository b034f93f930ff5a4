#!/usr/bin/env bash
# The replicated production topology (scripts/docker/prod-topology.ts, `npm run docker:prod-topology`) puts its
# two gateway containers behind HAProxy, Debian's package, run natively on a free loopback port
# (scripts/docker/haproxy.ts finds it the same way: HAPROXY_PATH, else `haproxy` on PATH). Installing or
# stopping is ensure-debian-tool.sh's; --no-install-recommends: the binary only, never a running service.
set -euo pipefail
here=${BASH_SOURCE[0]%/*}
[ "$here" = "${BASH_SOURCE[0]}" ] && here=.
exec "$BASH" "$here/ensure-debian-tool.sh" haproxy haproxy haproxy HAPROXY_PATH "haproxy (the topology's load balancer)" \
  --no-install-recommends
