// The production topology's container definitions (scripts/docker/topology.ts), shared by the CI pass
// (scripts/docker/prod-topology.ts) and the production-topology chaos suite, checked without an engine:
// production mode, every secret set and none a development default, loopback only, workers told apart.
import { describe, expect, it } from 'vitest';
import { freshSecrets, topologyContainers, type ContainerSpec } from '../../scripts/docker/topology';

const DEV_SECRET_VALUES = [
  'dev-key',
  'kashier-dev-secret',
  'fawry-dev-secure-key',
  'sandbox-key',
  'sandbox-password',
  'dev-codec-token',
];

function specs() {
  return topologyContainers({
    temporalAddress: '127.0.0.1:27233',
    taskQueue: 'tq',
    ports: { gateway: 30001, codec: 30002, sandbox: 30003 },
    secrets: freshSecrets(),
    gatewayDatabaseUrl: 'postgres://postgres@127.0.0.1:5432/gw',
    imageStore: { volume: 'vol' },
    hostnameSuffix: 'abc',
    workers: 2,
    extraEnv: { worker: { VLENS_HTTP_TIMEOUT_MS: '5000' } },
  });
}

describe('production topology containers', () => {
  const { sandbox, workers, gateway, codec } = specs();
  const all: ContainerSpec[] = [sandbox, ...workers, gateway, codec];

  it('runs every process in production mode from dist/', () => {
    for (const spec of all) {
      expect(spec.env.NODE_ENV, spec.role).toBe('production');
      expect(spec.command[0], spec.role).toBe('node');
      expect(spec.command[1], spec.role).toMatch(/^dist\/.+\.js$/);
    }
  });

  it('sets no development default and no address outside loopback', () => {
    for (const spec of all) {
      for (const [key, value] of Object.entries(spec.env)) {
        expect(DEV_SECRET_VALUES, `${spec.role} ${key}`).not.toContain(value);
        for (const host of value.match(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g) ?? [])
          expect(host, `${spec.role} ${key}`).toBe('127.0.0.1');
      }
    }
    expect(sandbox.env.SANDBOX_HOST).toBe('127.0.0.1');
    expect(gateway.env.GATEWAY_HOST).toBe('127.0.0.1');
    expect(codec.env.CODEC_SERVER_HOST).toBe('127.0.0.1');
  });

  it('gives each worker its own hostname and the shared image volume, and passes extra settings', () => {
    expect(workers.map((w) => w.role)).toEqual(['worker-1', 'worker-2']);
    const hostnames = workers.map((w) => w.extra[w.extra.indexOf('--hostname') + 1]);
    expect(new Set(hostnames).size).toBe(2);
    for (const w of workers) {
      expect(w.extra).toContain('vol:/images');
      expect(w.env.VLENS_HTTP_TIMEOUT_MS).toBe('5000');
      expect(w.env.CODEC_KEYS).toBe(gateway.env.CODEC_KEYS);
    }
    expect(gateway.extra).toContain('vol:/images');
    expect(sandbox.env.SANDBOX_VLENS_WEBHOOK_URL).toContain(`token=${gateway.env.VLENS_WEBHOOK_TOKEN}`);
  });
});

describe('replicated topology containers (two gateways, S3, Redis)', () => {
  const s3Env = { IMAGE_STORE_S3_BUCKET: 'b', IMAGE_STORE_S3_ENDPOINT: 'http://127.0.0.1:30009' };
  const { sandbox, workers, gateways } = topologyContainers({
    temporalAddress: '127.0.0.1:27233',
    taskQueue: 'tq',
    ports: { gateway: 30001, codec: 30002, sandbox: 30003 },
    gatewayReplicaPorts: [30011, 30012],
    redisUrl: 'redis://127.0.0.1:30010',
    secrets: freshSecrets(),
    gatewayDatabaseUrl: 'postgres://postgres@127.0.0.1:5432/gw',
    imageStore: { s3Env },
    hostnameSuffix: 'abc',
    workers: 2,
  });

  it('gives each gateway its own port, the shared limits and the bucket; nothing mounts a volume', () => {
    expect(gateways.map((g) => [g.role, g.env.GATEWAY_PORT])).toEqual([
      ['gateway-1', '30011'],
      ['gateway-2', '30012'],
    ]);
    for (const spec of [...gateways, ...workers]) {
      expect(spec.env.IMAGE_STORE_S3_BUCKET, spec.role).toBe('b');
      expect(spec.env.IMAGE_STORE_DIR, spec.role).toBeUndefined();
      expect(spec.extra, spec.role).not.toContain('-v');
    }
    for (const g of gateways) {
      expect(g.env.REDIS_URL).toBe('redis://127.0.0.1:30010');
      expect(g.env.GATEWAY_REPLICAS).toBeUndefined();
      expect(g.env.GATEWAY_TRUST_PROXY).toBe('127.0.0.1');
    }
    // Webhooks go to the load balancer, not to one replica.
    expect(sandbox.env.SANDBOX_WEBHOOK_URL).toBe('http://127.0.0.1:30001/v1/webhooks/{gateway}');
  });
});
