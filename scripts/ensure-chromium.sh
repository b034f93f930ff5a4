#!/usr/bin/env bash
# `npm test` runs this first (package.json "pretest"; .ci/run goes through the same `npm test`). The browser
# checks drive Debian's Chromium through playwright-core, never a downloaded browser (test/chromium.ts finds
# it the same way: CHROMIUM_PATH, else `chromium` on PATH). When it is missing this installs it from Debian's
# packages if this user may (root, or passwordless sudo); otherwise it stops the run before any test with
# the one command to run. It never lets the browser tests be skipped.
set -euo pipefail

say() { echo "[chromium] $*" >&2; }

if [ -n "${CHROMIUM_PATH:-}" ]; then
  if [ -f "$CHROMIUM_PATH" ] && [ -x "$CHROMIUM_PATH" ]; then exit 0; fi
  say "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file."
  say "Point it at a Chromium binary, or unset it and run: sudo apt-get install chromium"
  exit 1
fi
if command -v chromium >/dev/null 2>&1; then exit 0; fi

if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  say "headless Chromium is missing (no 'chromium' on PATH, no CHROMIUM_PATH) and this user may not install packages."
  say "Run: sudo apt-get install chromium    (or: CHROMIUM_PATH=/path/to/chromium npm test)"
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "headless Chromium is missing and this machine has no apt-get: install Chromium with its package manager,"
  say "then run: CHROMIUM_PATH=/path/to/chromium npm test"
  exit 1
fi

say "headless Chromium is missing; installing it from Debian's packages (about 1 minute the first time)..."
started=$SECONDS
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
if ! command -v chromium >/dev/null 2>&1; then
  say "apt-get installed chromium, yet 'chromium' is not on PATH (PATH=$PATH); set CHROMIUM_PATH."
  exit 1
fi
say "installed $(command -v chromium) in $((SECONDS - started)) s"
