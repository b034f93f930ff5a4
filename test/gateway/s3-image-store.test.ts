// Selfies through the S3 claim-check store on the real stack (issue 23): the gateway uploads them to a
// real S3-compatible server (SeaweedFS), the worker's activity reads them back from it with a store of
// its own (two processes sharing no disk and no memory), and the workflow deletes them at the end.
// And the outage: the server dies in the middle of an upload; the caller gets 503 with Retry-After,
// no image is lost or half-written, and the same submission succeeds once the server is back.
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivationClient } from '../../client/activation-client';
import { MemoryDedupStore } from '../../gateway/dedup/store';
import { startGateway } from '../../gateway/server';
import { imageStoreSettings, S3ImageStore, type CodecKeys } from '../../codec';
import { startWeedS3, type WeedS3Server } from '../../scripts/seaweedfs-server';
import { ALEXANDRIA, deviceAt } from '../temporal/harness';
import { startGatewayStack, type GatewayStack } from './stack';

const BUCKET = 'liveness-e2e';
const PREFIX = 'gateway-test/';
const image = (seed: number) => Buffer.from(`sandbox-selfie-${seed}-${'x'.repeat(40)}`).toString('base64');

let server: WeedS3Server;
let s: GatewayStack;
const commands = { gatewayPuts: 0, workerGets: 0 };
let onGatewayPut: (() => void) | undefined;

/** A store as a process builds it from the IMAGE_STORE_S3_* env, with a hook that sees each command. */
function storeFor(keys: CodecKeys, onCommand: (name: string) => void): S3ImageStore {
  const settings = imageStoreSettings(server.env(BUCKET, PREFIX), '/unused');
  if (settings.kind !== 's3') throw new Error('expected S3 settings');
  const client = new S3Client({
    endpoint: settings.endpoint!,
    region: settings.region!,
    forcePathStyle: settings.forcePathStyle,
    credentials: server.credentials,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 10_000 }),
  });
  client.middlewareStack.add(
    (next, context) => (args) => {
      onCommand(context.commandName ?? '');
      return next(args);
    },
    { step: 'initialize' },
  );
  return new S3ImageStore({ keys, client, bucket: settings.bucket, prefix: settings.prefix });
}

async function objectsOf(store: S3ImageStore, requestId: string): Promise<number> {
  return store.countForActivation(requestId);
}

beforeAll(async () => {
  server = await startWeedS3();
  await server.createBucket(BUCKET);
  s = await startGatewayStack({
    harness: {
      // The worker's store: its own client and instance.
      imageStore: (keys) =>
        storeFor(keys, (name) => {
          if (name === 'GetObjectCommand') commands.workerGets++;
        }),
    },
  });
}, 1_800_000);

afterAll(async () => {
  await s?.close();
  await server?.close();
});

/** The gateway: its own ActivationClient and S3 store instance, as another process would have. */
async function withGatewayStore<T>(run: (gatewayUrl: string, store: S3ImageStore) => Promise<T>): Promise<T> {
  const store = storeFor(s.h.keys, (name) => {
    if (name === 'PutObjectCommand') {
      commands.gatewayPuts++;
      onGatewayPut?.();
    }
  });
  const activations = new ActivationClient({
    client: s.h.client,
    taskQueue: s.h.taskQueue,
    imageStore: store,
    updateTimeoutMs: 30_000,
  });
  const gateway = await startGateway({
    activations,
    port: 0,
    apiKeys: ['key-s3'],
    dedupStore: new MemoryDedupStore(),
    logLevel: 'silent',
  });
  try {
    return await run(gateway.url, store);
  } finally {
    await gateway.close();
  }
}

async function livenessPost(url: string, requestId: string, key: string) {
  const response = await fetch(`${url}/v1/activations/${requestId}/liveness`, {
    method: 'POST',
    headers: { authorization: 'Bearer key-s3', 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ image: image(0), faces: [image(1), image(2), image(3)], device: deviceAt(ALEXANDRIA) }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

describe('liveness images in S3', () => {
  it('a selfie uploaded through the gateway is read by the worker from S3 and deleted at the end', async () => {
    await withGatewayStore(async (url, store) => {
      const { seeded } = await s.startActivation({}, { device: deviceAt(ALEXANDRIA) });
      await s.waitForState(seeded.requestId, 'awaiting_liveness');
      const before = { ...commands };
      const answer = await livenessPost(url, seeded.requestId, `liveness-${seeded.requestId}`);
      expect({ status: answer.status, outcome: answer.body.outcome }).toEqual({ status: 200, outcome: 'accepted' });
      expect(commands.gatewayPuts - before.gatewayPuts).toBe(4);
      // The worker's activity read all four from the bucket (it shares nothing else with the gateway).
      expect(commands.workerGets - before.workerGets).toBeGreaterThanOrEqual(4);
      expect(await objectsOf(store, seeded.requestId)).toBe(4);

      await s.waitForState(seeded.requestId, 'awaiting_otp');
      const { code } = await s.h.latestOtp(seeded.requestId);
      const otp = await s.api('POST', `/v1/activations/${seeded.requestId}/otp`, {
        code,
        device: deviceAt(ALEXANDRIA),
      });
      expect(otp.body.outcome).toBe('accepted');
      await s.h.payThroughPage(otp.body.status.nextAction.paymentLink);
      await s.waitForState(seeded.requestId, 'activated');
      // The workflow deletes the activation's images when it ends.
      const until = Date.now() + 20_000;
      while ((await objectsOf(store, seeded.requestId)) > 0 && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(await objectsOf(store, seeded.requestId)).toBe(0);
    });
  }, 120_000);

  it('the S3 server dies in the middle of an upload: 503 with Retry-After, nothing half-written, the retry works', async () => {
    await withGatewayStore(async (url, store) => {
      const { seeded } = await s.startActivation({}, { device: deviceAt(ALEXANDRIA) });
      await s.waitForState(seeded.requestId, 'awaiting_liveness');
      // The first upload freezes the server before its request leaves: the images are on the wire when it dies.
      let uploading!: () => void;
      const uploadStarted = new Promise<void>((resolve) => (uploading = resolve));
      onGatewayPut = () => {
        onGatewayPut = undefined;
        server.freeze();
        uploading();
      };
      const key = `liveness-${seeded.requestId}`;
      const answerPromise = livenessPost(url, seeded.requestId, key);
      await uploadStarted;
      await new Promise((resolve) => setTimeout(resolve, 500));
      await server.kill();
      const answer = await answerPromise;
      expect(answer.status).toBe(503);
      expect(answer.body.error.code).toBe('image_store_unavailable');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);

      // Nothing reached the activation: it still waits for liveness.
      expect((await s.api('GET', `/v1/activations/${seeded.requestId}`)).body.state).toBe('awaiting_liveness');

      await server.restart();
      // No object of the failed submission exists, whole or half (and anything listed opens whole).
      const s3 = server.client();
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: PREFIX }));
      s3.destroy();
      expect(await objectsOf(store, seeded.requestId)).toBe(0);
      for (const object of listed.Contents ?? []) expect(object.Size).toBeGreaterThan(0);

      // The same submission, same Idempotency-Key, once the store is back: accepted, read by the worker.
      const retried = await livenessPost(url, seeded.requestId, key);
      expect({ status: retried.status, outcome: retried.body.outcome }).toEqual({ status: 200, outcome: 'accepted' });
      await s.waitForState(seeded.requestId, 'awaiting_otp');
    });
  }, 180_000);
});
