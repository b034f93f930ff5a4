# syntax=docker/dockerfile:1.7
# One image for the app processes of docker-compose.yml: the worker (default command), the HTTP gateway,
# the codec server and the Vlens sandbox (each service picks its command). Node 20, as package.json says.
#
#   docker build -t vlens-activation .
#
# Stages: deps (npm ci from the lock file) -> build (the workflow bundle, written once at build time so
# a worker starts without webpack) -> runtime (non-root `node` user, NODE_ENV=production).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# tsx runs the TypeScript entry points at runtime, and it is a devDependency: install the whole lock file.
RUN npm ci --no-audit --no-fund && npm cache clean --force

FROM deps AS build
COPY . .
# The prebuilt workflow bundle (WORKFLOW_BUNDLE_PATH): bundleActivationWorkflows() from worker/create-worker.ts.
RUN npx tsx scripts/build-workflow-bundle.ts dist/workflow-bundle.js

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    DATA_DIR=/data \
    GATEWAY_DATA_DIR=/data
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json /app/tsconfig.json ./
COPY --from=build --chown=node:node /app/workflows ./workflows
COPY --from=build --chown=node:node /app/activities ./activities
COPY --from=build --chown=node:node /app/worker ./worker
COPY --from=build --chown=node:node /app/client ./client
COPY --from=build --chown=node:node /app/codec ./codec
COPY --from=build --chown=node:node /app/sandbox ./sandbox
COPY --from=build --chown=node:node /app/dist/workflow-bundle.js ./dist/workflow-bundle.js

# Worker health: Temporal answers and this container's worker (SDK identity "<pid>@<hostname>") is
# among the task queue's pollers. Plain JS, so the check does not pay for a TypeScript compile.
COPY --chown=node:node <<'EOF' /app/docker/worker-healthcheck.mjs
import os from 'node:os';
import { Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';

const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: process.env });
const connection = await Connection.connect({ address: 'localhost:7233', ...connectionOptions, connectTimeout: 3000 });
try {
  const answer = await connection.workflowService.describeTaskQueue({
    namespace: namespace ?? 'default',
    taskQueue: { name: process.env.TEMPORAL_TASK_QUEUE || 'vlens-activation' },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  const mine = (answer.pollers ?? []).some((p) => (p.identity ?? '').endsWith(`@${os.hostname()}`));
  if (!mine) {
    console.error('this worker is not polling its task queue yet');
    process.exit(1);
  }
} finally {
  await connection.close();
}
EOF

# State lives on volumes: /data (development codec key, the gateway's file dedup record) and /images (the
# claim-check store the gateway and the worker share). Created here, owned by `node`, because a new named
# volume copies the ownership of the directory it is mounted on.
RUN mkdir -p /data /images && chown node:node /data /images
VOLUME ["/data", "/images"]
USER node
CMD ["npx", "tsx", "worker/main.ts"]
