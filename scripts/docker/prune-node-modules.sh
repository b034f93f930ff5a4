#!/bin/sh
# Slims a production node_modules (the Dockerfile runs it right after `npm ci --omit=dev`, in the same
# layer). Only what a compiled process never loads goes:
#   - @temporalio/core-bridge: the native module of every other platform (each ~27 MB) and the Rust
#     sources it ships for building from source (sdk-core, src, Cargo.*);
#   - @swc/core's native binaries: swc compiles workflow code only when a worker bundles at start-up, and a
#     compiled worker always loads the prebuilt dist/workflow-bundle*.js (worker/main.ts);
#   - TypeScript declarations and sources, source maps and markdown: nothing loads them at run time (our own
#     source maps live in dist/, not here);
#   - the test/, tests/, __tests__/, example(s)/, doc(s)/ and coverage/ folders at a package's root;
#   - the ES-module copies (build/esm, build/esnext) of packages without an `exports` map (OpenTelemetry's):
#     Node loads their `main` (build/src); only bundlers read `module`/`esnext`, and bundling happened in the
#     build stage.
# Prints the size before and after. Usage: sh prune-node-modules.sh [node_modules]
set -eu
DIR=${1:-node_modules}
[ -d "$DIR" ] || { echo "prune-node-modules: no $DIR" >&2; exit 1; }
before=$(du -sm "$DIR" | cut -f1)

BRIDGE="$DIR/@temporalio/core-bridge"
if [ -d "$BRIDGE/releases" ]; then
  # The target this machine loads, by core-bridge's own rule (common.js); refuse to prune if it is missing.
  target=$(cd "$BRIDGE" && node -e "console.log(require('./common').getPrebuiltTargetName())")
  [ -f "$BRIDGE/releases/$target/index.node" ] || { echo "prune-node-modules: no core-bridge build for $target" >&2; exit 1; }
  for release in "$BRIDGE"/releases/*; do
    [ "$(basename "$release")" = "$target" ] || rm -rf "$release"
  done
  rm -rf "$BRIDGE/sdk-core" "$BRIDGE/src" "$BRIDGE/bridge-macros" "$BRIDGE/Cargo.toml" "$BRIDGE/Cargo.lock"
fi

for swc in "$DIR"/@swc/core-*; do
  [ -d "$swc" ] && find "$swc" -name '*.node' -type f -delete
done

# Package roots: node_modules/<name> and node_modules/@scope/<name>, nested node_modules included.
find "$DIR" -type f -name package.json | while read -r manifest; do
  pkg=$(dirname "$manifest")
  case "$(basename "$(dirname "$pkg")")" in node_modules | @*) ;; *) continue ;; esac
  for folder in test tests __tests__ example examples doc docs coverage; do
    [ -d "$pkg/$folder" ] && rm -rf "${pkg:?}/$folder"
  done
  if [ -d "$pkg/build/src" ] && ! grep -q '"exports"' "$manifest"; then
    grep -Eq '"main": *"(\./)?build/src/' "$manifest" && rm -rf "$pkg/build/esm" "$pkg/build/esnext"
  fi
done

find "$DIR" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' \
  -o -name '*.map' -o -iname '*.md' -o -iname '*.markdown' \) -delete
find "$DIR" -depth -type d -empty -delete

echo "prune-node-modules: $DIR ${before} MB -> $(du -sm "$DIR" | cut -f1) MB"
