// The replicated production topology, defined once for its two users: scripts/docker/prod-topology.ts (one
// checked pass, in CI) and the chaos suite's stack (bench/chaos/prod-stack.ts, `npm run chaos:prod`).
//
//   stores     SeaweedFS (`weed server`, S3 API) for the claim-check images and redis-server for the
//              gateways' shared limits, native on free loopback ports like the Temporal server
//   containers the image's sandbox, TWO workers and TWO gateways (no volume: images go through S3), plus
//              the codec server (scripts/docker/topology.ts topologyContainers)
//   balancer   HAProxy on the port the sandbox sends its webhooks to, round robin over the two gateways
//              (scripts/docker/haproxy.ts)
import type { RedisServer } from '../../test/redis-server';
import { startRedisServer } from '../../test/redis-server';
import { freePort } from '../postgres/temporal-server';
import { startWeedS3, type WeedS3Server } from '../seaweedfs-server';
import { startHaproxy, type LoadBalancer } from './haproxy';
import {
  topologyContainers,
  topologyUrls,
  type ContainerSpec,
  type TopologyConfig,
  type TopologyPorts,
  type TopologySecrets,
} from './topology';

/** The S3 image store and the shared limits of one topology. */
export interface ReplicatedStores {
  weed: WeedS3Server;
  redis: RedisServer;
  bucket: string;
  prefix: string;
  close(): Promise<void>;
}

export async function startReplicatedStores(run: string, log: (line: string) => void): Promise<ReplicatedStores> {
  const weed = await startWeedS3({ log });
  let redis: RedisServer | undefined;
  try {
    const bucket = `topology-${run}`;
    const prefix = `images-${run}/`;
    await weed.createBucket(bucket);
    redis = await startRedisServer();
    log(`SeaweedFS S3 on ${weed.endpoint} (bucket ${bucket}), redis-server on ${redis.url}`);
    const started = redis;
    return {
      weed,
      redis,
      bucket,
      prefix,
      async close() {
        await started.close().catch(() => undefined);
        await weed.close().catch(() => undefined);
      },
    };
  } catch (error) {
    await redis?.close().catch(() => undefined);
    await weed.close().catch(() => undefined);
    throw error;
  }
}

/** Where everything answers, and what each container runs. */
export interface ReplicatedLayout {
  /** ports.gateway is the load balancer's; the replicas answer on replicaPorts. */
  ports: TopologyPorts;
  replicaPorts: number[];
  /** The load balancer's URL (the one apps, backends and the sandbox's webhooks use). */
  lbUrl: string;
  sandboxUrl: string;
  replicaUrls: string[];
  specs: ReturnType<typeof topologyContainers>;
  /** HAProxy's backends: one per gateway replica, named after its role. */
  backends: Array<{ name: string; port: number }>;
}

export async function replicatedLayout(args: {
  temporalAddress: string;
  taskQueue: string;
  secrets: TopologySecrets;
  gatewayDatabaseUrl: string;
  stores: ReplicatedStores;
  hostnameSuffix: string;
  gateways?: number;
  workers?: number;
  extraEnv?: TopologyConfig['extraEnv'];
}): Promise<ReplicatedLayout> {
  const ports = { gateway: await freePort(), codec: await freePort(), sandbox: await freePort() };
  const replicaPorts: number[] = [];
  for (let i = 0; i < (args.gateways ?? 2); i++) replicaPorts.push(await freePort());
  const { stores } = args;
  const specs = topologyContainers({
    temporalAddress: args.temporalAddress,
    taskQueue: args.taskQueue,
    ports,
    gatewayReplicaPorts: replicaPorts,
    redisUrl: stores.redis.url,
    secrets: args.secrets,
    gatewayDatabaseUrl: args.gatewayDatabaseUrl,
    imageStore: { s3Env: stores.weed.env(stores.bucket, stores.prefix) },
    hostnameSuffix: args.hostnameSuffix,
    workers: args.workers ?? 2,
    ...(args.extraEnv ? { extraEnv: args.extraEnv } : {}),
  });
  const { gatewayUrl: lbUrl, sandboxUrl } = topologyUrls(ports);
  return {
    ports,
    replicaPorts,
    lbUrl,
    sandboxUrl,
    replicaUrls: replicaPorts.map((p) => `http://127.0.0.1:${p}`),
    specs,
    backends: specs.gateways.map((g: ContainerSpec, i) => ({ name: g.role, port: replicaPorts[i]! })),
  };
}

/** HAProxy in front of the layout's gateways, on the layout's gateway port. */
export function startBalancer(workDir: string, layout: ReplicatedLayout): Promise<LoadBalancer> {
  return startHaproxy(workDir, layout.ports.gateway, layout.backends);
}
