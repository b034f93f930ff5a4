#!/usr/bin/env bash
# The one way `npm test` provisions a server or browser that tests start themselves (package.json "pretest"
# runs scripts/ensure-chromium.sh and scripts/ensure-redis.sh, which call this): take the binary from its
# *_PATH variable, else from PATH; when it is missing, install the Debian package if this user may (root,
# or passwordless sudo); otherwise stop the run before any test with the one command to run. It never lets
# the tests that need the tool be skipped.
#
# Usage: ensure-debian-tool.sh LABEL COMMAND PACKAGE PATH_VARIABLE DESCRIPTION [apt-get install options...]
set -euo pipefail

label=$1 command=$2 package=$3 path_variable=$4 description=$5
shift 5
say() { echo "[$label] $*" >&2; }

given=${!path_variable:-}
if [ -n "$given" ]; then
  if [ -f "$given" ] && [ -x "$given" ]; then exit 0; fi
  say "$path_variable=$given is not an executable file."
  say "Point it at a $command binary, or unset it and run: sudo apt-get install $package"
  exit 1
fi
if command -v "$command" >/dev/null 2>&1; then exit 0; fi

if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  say "$description is missing (no '$command' on PATH, no $path_variable) and this user may not install packages."
  say "Run: sudo apt-get install $package    (or: $path_variable=/path/to/$command npm test)"
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "$description is missing and this machine has no apt-get: install it with its package manager,"
  say "then run: $path_variable=/path/to/$command npm test"
  exit 1
fi

say "$description is missing; installing the Debian package $package..."
started=$SECONDS
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" "$package" >/dev/null
if ! command -v "$command" >/dev/null 2>&1; then
  say "apt-get installed $package, yet '$command' is not on PATH (PATH=$PATH); set $path_variable."
  exit 1
fi
say "installed $(command -v "$command") in $((SECONDS - started)) s"
