// Issue 29: the client package as a backend in another repository gets it. `npm pack` in packages/client (its
// `prepack` builds dist/), the tarball installed into a fresh project outside this tree, a small program
// type-checked against it with tsc (strict, NodeNext, library checks on) and then run: one activation to the
// end against the real stack (Temporal dev server, worker, sandbox over HTTP), configured only by env, as a
// backend would be.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { startHarness, testCodecKeys, type Harness } from '../temporal/harness';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const PACKAGE_DIR = path.join(ROOT, 'packages', 'client');
const rootManifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const packageManifest = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8'));

/** The backend's program: only the package's root export, env for every setting. */
const PROGRAM = `
import {
  ActivationClient,
  ActivationNotFound,
  CONTRACT_VERSION,
  InvalidInput,
  TERMINAL_STATES,
  WEBHOOK_SIGNATURE_HEADER,
  signWebhookPayload,
  verifyWebhook,
  type ActivationStatus,
  type ActivationWebhookEvent,
  type DeviceContext,
} from '@vlens-activation/client';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(name + ' is not set');
  return value;
};
const device = (): DeviceContext => ({
  geoLocation: { latitude: 30.0444, longitude: 31.2357 },
  userDeviceUtcTime: new Date().toISOString(),
});
const sandbox = (route: string, body?: unknown) =>
  fetch(env('SANDBOX_URL') + route, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then((answer) => answer.json() as Promise<Record<string, string>>);

// @ts-expect-error: the types are real, not any: a requestId is a string
const _wrong: Parameters<ActivationClient['start']>[0] = { requestId: 1, device: device() };

const steps: string[] = ['contract v' + CONTRACT_VERSION];
const requestId = env('REQUEST_ID');
const activations = new ActivationClient(); // TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, CODEC_KEYS, DATA_DIR
try {
  const started = await activations.start(
    { requestId, transactionId: env('TRANSACTION_ID'), device: device(), accessToken: env('ACCESS_TOKEN') },
    { waitForFirstStep: true },
  );
  steps.push('start ' + started.created + ' ' + started.status.state);
  try {
    await activations.submitOtp(requestId, { code: 'not digits', device: device() });
  } catch (error) {
    steps.push(error instanceof InvalidInput ? 'refused ' + error.code + ' ' + error.problems[0]?.field : String(error));
  }
  const { code } = await sandbox('/sandbox/requests/' + requestId + '/latest-otp');
  const otp = await activations.submitOtp(requestId, { code: code!, device: device() }, { idempotencyKey: 'otp-1' });
  steps.push('otp ' + otp.outcome + ' ' + otp.status.state);
  const link = otp.status.nextAction.paymentLink!;
  await sandbox('/sandbox/payments/' + new URL(link).pathname.split('/').pop(), { outcome: 'paid' });
  await activations.paymentCompleted(requestId, { source: 'app', eventId: 'paid-1' });
  let status: ActivationStatus = otp.status;
  while (!TERMINAL_STATES.includes(status.state))
    status = await activations.waitForChange(requestId, { afterVersion: status.version, timeoutMs: 20_000 });
  steps.push('final ' + status.state);
  try {
    await activations.status('00000000-0000-4000-8000-000000000000');
  } catch (error) {
    steps.push(error instanceof ActivationNotFound ? 'unknown ' + error.code : String(error));
  }
} finally {
  await activations.close();
}

const secrets = ['whsec_0123456789abcdef'];
const body = JSON.stringify({ id: 'evt_a_v1', type: 'activation.updated', created: 0, data: { activationId: 'a', version: 1, object: { state: 'activated' } } });
const header = signWebhookPayload(body, secrets, Math.floor(Date.now() / 1000));
steps.push('webhook ' + WEBHOOK_SIGNATURE_HEADER + ' ' + verifyWebhook<ActivationWebhookEvent>(body, header, secrets).data.version);
try {
  await import('@vlens-activation/client/dist/index.js' as string);
} catch (error) {
  steps.push('internal ' + (error as { code?: string }).code);
}
console.log(JSON.stringify(steps));
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    // The package's declarations are checked too, not only the program's use of them.
    skipLibCheck: false,
    outDir: 'dist',
    types: ['node'],
  },
  include: ['program.ts'],
};

/** The worker's keys, which the program gets as CODEC_KEYS like any backend. */
const codec = testCodecKeys('package-test');

describe('the client package, packed and installed outside the tree', () => {
  let h: Harness;
  let scratch: string;
  let packed: { filename: string; size: number; unpackedSize: number; files: { path: string }[] };

  beforeAll(async () => {
    h = await startHarness({ keys: codec.keys });
    scratch = mkdtempSync(path.join(os.tmpdir(), 'client-package-'));
  });
  afterAll(async () => {
    await h?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  // npm pack writes the declaration bundle, which walks the S3 SDK's types since the S3 image store joined the
  // client (8 min on 2 cores, scripts/build-client-package.ts): a generous bound, not a speed claim.
  test('npm pack builds it: ESM, one .d.ts, nothing but dist and the manifest', { timeout: 1_500_000 }, async () => {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], {
      cwd: PACKAGE_DIR,
      maxBuffer: 10_000_000,
    });
    [packed] = JSON.parse(stdout);
    expect(packed.files.map((f) => f.path).sort()).toEqual([
      'README.md',
      'dist/index.d.ts',
      'dist/index.js',
      'package.json',
    ]);
    // Sizes are reported (docs: packages/client/README.md); the bounds only catch a bundle gone wrong.
    console.log(`client package: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked`);
    expect(packed.unpackedSize).toBeLessThan(500_000);
    expect(Number(packageManifest.version.split('.')[0])).toBeGreaterThanOrEqual(1);
    for (const heavy of ['fastify', '@temporalio/worker', 'pg', 'jose'])
      expect(Object.keys(packageManifest.dependencies)).not.toContain(heavy);
  });

  test(
    'a fresh project installs it, type-checks a program with tsc and activates with it',
    { timeout: 600_000 },
    async () => {
      expect(packed, 'the pack test ran first').toBeTruthy();
      writeFileSync(
        path.join(scratch, 'package.json'),
        JSON.stringify({ name: 'scratch-backend', private: true, type: 'module' }),
      );
      writeFileSync(path.join(scratch, 'tsconfig.json'), JSON.stringify(TSCONFIG));
      writeFileSync(path.join(scratch, 'program.ts'), PROGRAM);
      // Its dependencies come from the npm registry (the cache first); @types/ms: see packages/client/README.md.
      await run(
        'npm',
        [
          'install',
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          path.join(scratch, packed.filename),
          `@types/node@${rootManifest.devDependencies['@types/node']}`,
          '@types/ms@2.1.0',
        ],
        { cwd: scratch, maxBuffer: 10_000_000 },
      );
      const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      const compiled = await run(process.execPath, [tsc, '-p', scratch], { cwd: scratch }).catch((error) => error);
      expect(`${compiled.stdout ?? ''}${compiled.stderr ?? ''}`).toBe('');

      const seeded = await h.seed();
      const { stdout } = await run(process.execPath, [path.join(scratch, 'dist', 'program.js')], {
        cwd: scratch,
        env: {
          PATH: process.env.PATH,
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          TEMPORAL_NAMESPACE: inject('temporalNamespace'),
          TEMPORAL_TASK_QUEUE: h.taskQueue,
          CODEC_KEYS: codec.spec,
          DATA_DIR: path.join(scratch, '.data'),
          SANDBOX_URL: h.sandboxUrl,
          REQUEST_ID: seeded.requestId,
          TRANSACTION_ID: seeded.transactionId,
          ACCESS_TOKEN: seeded.accessToken,
        },
        timeout: 120_000,
      });
      expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual([
        'contract v1',
        'start true awaiting_otp',
        'refused invalid_request code',
        'otp accepted awaiting_payment',
        'final activated',
        'unknown not_found',
        'webhook vlens-activation-signature 1',
        'internal ERR_PACKAGE_PATH_NOT_EXPORTED',
      ]);
    },
  );
});
