#!/usr/bin/env bash
# `npm test` runs this first (package.json "pretest"; .ci/run goes through the same `npm test`). The browser
# checks drive Debian's Chromium through playwright-core, never a downloaded browser (test/chromium.ts finds
# it the same way: CHROMIUM_PATH, else `chromium` on PATH). Installing or stopping is ensure-debian-tool.sh's.
set -euo pipefail
# No dirname/bash from PATH: the unprivileged check (test/scripts/ensure-chromium.test.ts) runs with a bare PATH.
here=${BASH_SOURCE[0]%/*}
[ "$here" = "${BASH_SOURCE[0]}" ] && here=.
exec "$BASH" "$here/ensure-debian-tool.sh" chromium chromium chromium CHROMIUM_PATH "headless Chromium"
