#!/bin/sh
# Assembles the runtime image's whole file system in <dir> (the Dockerfile's rootfs stage runs it in the Node
# base image, then the runtime stage starts FROM scratch and copies <dir> in): only what the processes load,
# taken from the base image's own Debian trixie packages, so the runtime stays Node 24 on trixie without npm,
# apt, dpkg, perl or the rest of minbase (issue 23 asks for an image under 200 MB; BENCHMARKS.md §8).
#   - node, stripped of its symbol tables (127 -> 109 MB; `strip` from binutils, installed in the rootfs stage
#     only);
#   - the shared libraries node and Temporal's native module link against (`ldd` on both: libc6's
#     libc/libm/libdl/librt/libpthread/ld.so and its NSS modules for name lookup, libstdc++6, libgcc-s1);
#     libc6's gconv character-set modules (8 MB) stay out: nothing here calls iconv;
#   - dash as /bin/sh (CI's checks and `docker exec` use a shell; the HEALTHCHECK and CMD do not) and
#     coreutils' env (the CLI's `#!/usr/bin/env node`);
#   - base-files (/etc/os-release says trixie), the CA bundle, passwd/group (users root and node),
#     nsswitch.conf, the loader's cache;
#   - /tmp, and /data and /images owned by `node` (a new named volume copies that ownership), /app, and the
#     CLI on PATH as `vlens-activation`.
# No package database comes along: this is a file system, not a Debian system to install into.
#   sh runtime-rootfs.sh <dir>
set -eu
OUT=${1:?usage: runtime-rootfs.sh <dir>}
mkdir -p "$OUT"
# The merged-/usr links first, so the files below land through them as on any trixie system.
for link in bin lib lib64 sbin; do cp -a "/$link" "$OUT/$link"; done
{
  dpkg -L libc6 libstdc++6 libgcc-s1 dash base-files | grep -vE '^/usr/share/(doc|man|info|lintian|locale|gdb|gcc)(/|$)|/gconv(/|$)'
  printf '%s\n' /usr/bin/sh /usr/bin/env /etc/passwd /etc/group /etc/nsswitch.conf /etc/ld.so.cache \
    /etc/ssl/certs/ca-certificates.crt
} | while read -r file; do
  # Files and links only (directories are made by tar as needed); the package lists name a few that dpkg's
  # path-excludes (the slim base image's) never installed.
  if [ -L "$file" ] || [ -f "$file" ]; then echo "${file#/}"; fi
done | sort -u | tar -C / --no-recursion -T - -cf - | tar -C "$OUT" --keep-directory-symlink -xf -

install -D -m 0755 /usr/local/bin/node "$OUT/usr/local/bin/node"
strip "$OUT/usr/local/bin/node"
chroot "$OUT" /usr/local/bin/node -e 'process.exit(process.versions.node.startsWith("24.") ? 0 : 1)'

install -d -m 1777 "$OUT/tmp"
install -d "$OUT/app"
install -d -o node -g node "$OUT/data" "$OUT/images" "$OUT/home/node"
ln -s /app/dist/client/cli.js "$OUT/usr/local/bin/vlens-activation"
echo "runtime-rootfs: $OUT $(du -sm "$OUT" | cut -f1) MB"
