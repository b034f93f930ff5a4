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
# prebuilt workflow bundles) -> runtime (production dependencies only, dist/, non-root `node` user).
# scripts/docker/ci.sh builds it in CI, offline, against a NODE_IMAGE made from Debian packages.
ARG NODE_IMAGE=node:24-trixie-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# tsc -p tsconfig.build.json (type-check) + scripts/build.ts: dist/{worker,client,codec,sandbox}/*.js with
# source maps, dist/workflow-bundle.js and dist/workflow-bundle-tracing.js (scripts/build-workflow-bundle.ts).
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (Node's, libuv's and the Temporal core's Tokio
# threads) an arena of its own, up to 8 per core, and memory freed into one is not reused by another. Two
# arenas cut the worker's resident memory with 10,000 activations parked from 288 to 222 MB (settled) and
# its peak while parking from 431 to 415 MB (BENCHMARKS.md §3). The benchmarks read these two settings from
# here (scripts/docker/runtime-env.ts).
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    MALLOC_ARENA_MAX=2 \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    DATA_DIR=/data \
    GATEWAY_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/docker/prune-node-modules.sh /tmp/prune-node-modules.sh
# Production dependencies only, exactly as locked; no install scripts (nothing in the production tree needs
# one: Temporal's native module ships prebuilt). Pruned and the npm cache dropped in the same layer.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && sh /tmp/prune-node-modules.sh node_modules \
    && npm cache clean --force \
    && rm -rf /tmp/prune-node-modules.sh /root/.npm /tmp/node-compile-cache
COPY --from=build /app/dist ./dist
COPY scripts/docker/healthcheck.mjs ./docker/healthcheck.mjs

# State lives on volumes: /data (development codec key, the gateway's file dedup record) and /images (the
# claim-check store the gateway and the worker share, unless IMAGE_STORE_S3_BUCKET puts it in a bucket). Created here, owned by `node`, because a new named
# volume copies the ownership of the directory it is mounted on. The application files stay root-owned,
# read-only to the process. `vlens-activation` (the CLI, package.json bin) is on PATH for `docker exec`.
RUN mkdir -p /data /images && chown node:node /data /images \
    && ln -s /app/dist/client/cli.js /usr/local/bin/vlens-activation
VOLUME ["/data", "/images"]
USER node
# Which process this container runs decides what healthy means (docker/healthcheck.mjs): the worker polls
# its task queue; the gateway, codec server and sandbox answer their health URL.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["node", "/app/docker/healthcheck.mjs"]
CMD ["node", "dist/worker/main.js"]
