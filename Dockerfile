# One image for the app processes of docker-compose.yml: the worker (default command), the HTTP gateway,
# the codec server and the Vlens sandbox (each service picks its command), all plain `node dist/...`.
# Node 24 LTS on Debian trixie (package.json `engines`; docs/development.md says which versions are supported).
#
#   docker build -t vlens-activation .
#   docker build --build-arg NODE_IMAGE=registry.example/node:24-trixie-slim -t vlens-activation .
#
# Works on Docker's classic builder and on BuildKit alike: no `# syntax=` line (no frontend image to pull),
# no heredocs, no --link/--chmod; every file it adds lives in the repository (scripts/docker/).
# Stages: build (npm ci with dev dependencies, `npm run build`: type-check, esbuild to dist/, the
# prebuilt workflow bundles); deps (production dependencies only, pruned, without webpack); rootfs (the
# runtime's file system: stripped node, its libraries, a shell, the deps); runtime (FROM scratch: that file
# system, dist/, non-root `node` user). Under 200 MB (scripts/docker/ci.sh checks it; BENCHMARKS.md §8).
# scripts/docker/ci.sh builds it in CI, offline, against a NODE_IMAGE made from Debian packages.
ARG NODE_IMAGE=node:24-trixie-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# tsc -p tsconfig.build.json (type-check) + scripts/build.ts: dist/{worker,client,gateway,codec,sandbox}/*.js with
# source maps, dist/workflow-bundle.js and dist/workflow-bundle-tracing.js (scripts/build-workflow-bundle.ts).
RUN npm run build

# Production dependencies only, exactly as locked; no install scripts (nothing in the production tree needs
# one: Temporal's native module ships prebuilt). Pruned (scripts/docker/prune-node-modules.sh), then webpack
# and what only it needs swapped for a stand-in that throws (scripts/docker/drop-webpack.mjs: the worker loads
# the prebuilt bundle and never bundles at run time).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/docker/prune-node-modules.sh scripts/docker/drop-webpack.mjs /tmp/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && sh /tmp/prune-node-modules.sh node_modules \
    && node /tmp/drop-webpack.mjs /app

# The runtime's whole file system, from the base image's trixie packages: node (stripped), the libraries it and
# Temporal's native module load, a shell, no npm/apt/dpkg (scripts/docker/runtime-rootfs.sh). binutils (for
# `strip`) comes from Debian's mirror, as the base image's apt sources name it, and stays in this stage.
FROM ${NODE_IMAGE} AS rootfs
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends binutils >/dev/null
COPY scripts/docker/runtime-rootfs.sh /tmp/runtime-rootfs.sh
RUN sh /tmp/runtime-rootfs.sh /rootfs
COPY --from=deps /app/package.json /app/package-lock.json /rootfs/app/
COPY --from=deps /app/node_modules /rootfs/app/node_modules
# Temporal's native module without its symbol tables (30 -> 24 MB), then loaded once to prove it still links.
RUN find /rootfs/app/node_modules -name '*.node' -type f -exec strip --strip-unneeded {} + \
    && chroot /rootfs /usr/local/bin/node -e "require('/app/node_modules/@temporalio/core-bridge')"

FROM scratch AS runtime
COPY --from=rootfs /rootfs /
# MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (Node's, libuv's and the Temporal core's Tokio
# threads) an arena of its own, up to 8 per core, and memory freed into one is not reused by another. Two
# arenas cut the worker's resident memory with 10,000 activations parked from 288 to 222 MB (settled) and
# its peak while parking from 431 to 415 MB (BENCHMARKS.md §3). The benchmarks read these two settings from
# here (scripts/docker/runtime-env.ts).
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    MALLOC_ARENA_MAX=2 \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    DATA_DIR=/data \
    GATEWAY_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/dist ./dist
COPY scripts/docker/healthcheck.mjs ./docker/healthcheck.mjs

# State lives on volumes: /data (development codec key, the gateway's file dedup record) and /images (the
# claim-check store the gateway and the worker share, unless IMAGE_STORE_S3_BUCKET puts it in a bucket), made
# owned by `node` in the rootfs stage, because a new named volume copies the ownership of the directory it is
# mounted on. The application files stay root-owned, read-only to the process. `vlens-activation` (the CLI,
# package.json bin) is on PATH for `docker exec`.
VOLUME ["/data", "/images"]
USER node
# Which process this container runs decides what healthy means (docker/healthcheck.mjs): the worker polls
# its task queue; the gateway, codec server and sandbox answer their health URL.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["node", "/app/docker/healthcheck.mjs"]
CMD ["node", "dist/worker/main.js"]
