#!/usr/bin/env bash
# Browser checks drive Debian's Chromium through playwright-core (never a downloaded browser).
# Installs it when missing and we may (root, apt available); otherwise says how.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium from Debian's packages..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "headless Chromium is missing: install it with 'sudo apt-get install chromium' (or set CHROMIUM_PATH)" >&2
  exit 1
fi
