// Issue 29 item 3: the gateway's OpenAPI document read by a generator real users run. openapi-typescript
// (its CLI, on the running gateway's /openapi.json) writes the types into a fresh project outside this tree;
// tsc compiles them with a program that uses them through openapi-fetch; the program then drives one
// activation to the end through the gateway (real Temporal dev server, worker, sandbox over HTTP).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { API_KEY, startGatewayStack, type GatewayStack } from '../gateway/stack';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const rootManifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** What an HTTP client in a backend would write, typed only by the generated `paths`. */
const PROGRAM = `
import createClient from 'openapi-fetch';
import type { paths } from './gateway-api.js';

const [base, apiKey, sandboxUrl, requestId, transactionId, accessToken] = process.argv.slice(2) as string[];
const api = createClient<paths>({ baseUrl: base, headers: { authorization: 'Bearer ' + apiKey } });
const device = () => ({
  geoLocation: { latitude: 30.0444, longitude: 31.2357 },
  userDeviceUtcTime: new Date().toISOString(),
});
const sandbox = (route: string, body?: unknown) =>
  fetch(sandboxUrl + route, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then((answer) => answer.json() as Promise<Record<string, string>>);
const params = { path: { requestId: requestId! } };
type State = paths['/v1/activations/{requestId}']['get']['responses'][200]['content']['application/json']['state'];

async function waitFor(wanted: State) {
  for (let i = 0; i < 200; i++) {
    const { data } = await api.GET('/v1/activations/{requestId}', { params });
    if (data?.state === wanted) return data;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error('never reached ' + wanted);
}

// @ts-expect-error: the types are real, not any: no such route
void api.GET('/v1/no-such-route');

const steps: string[] = [];
const started = await api.POST('/v1/activations', {
  body: { requestId: requestId!, transactionId, device: device(), accessToken },
});
steps.push('start ' + started.response.status + ' ' + (started.data?.clientSecret ? 'secret' : 'no secret'));
await waitFor('awaiting_otp');
const refused = await api.POST('/v1/activations/{requestId}/otp', { params, body: { code: '12ab', device: device() } });
steps.push('refused ' + refused.response.status + ' ' + refused.error?.error.code);
const { code } = await sandbox('/sandbox/requests/' + requestId + '/latest-otp');
const otp = await api.POST('/v1/activations/{requestId}/otp', { params, body: { code: code!, device: device() } });
steps.push('otp ' + otp.data?.outcome + ' ' + otp.data?.status.state);
const link = otp.data!.status.nextAction.paymentLink!;
await sandbox('/sandbox/payments/' + new URL(link).pathname.split('/').pop(), { outcome: 'paid' });
const paid = await api.POST('/v1/activations/{requestId}/payment-completed', { params, body: { eventId: 'paid-1' } });
steps.push('payment ' + paid.response.status + ' ' + paid.data?.accepted);
steps.push('final ' + (await waitFor('activated')).state);
console.log(JSON.stringify(steps));
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: false,
    outDir: 'dist',
    types: ['node'],
  },
  include: ['program.ts', 'gateway-api.ts'],
};

describe('the OpenAPI document through openapi-typescript and openapi-fetch', () => {
  let stack: GatewayStack;
  let scratch: string;

  beforeAll(async () => {
    stack = await startGatewayStack();
    scratch = mkdtempSync(path.join(os.tmpdir(), 'openapi-client-'));
  });
  afterAll(async () => {
    await stack?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('generated types compile with a program that activates through the gateway', { timeout: 600_000 }, async () => {
    writeFileSync(
      path.join(scratch, 'package.json'),
      JSON.stringify({ name: 'http-backend', private: true, type: 'module' }),
    );
    writeFileSync(path.join(scratch, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    writeFileSync(path.join(scratch, 'program.ts'), PROGRAM);
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        `openapi-fetch@${rootManifest.devDependencies['openapi-fetch']}`,
        `@types/node@${rootManifest.devDependencies['@types/node']}`,
      ],
      { cwd: scratch, maxBuffer: 10_000_000 },
    );
    // The generator as its users run it: the CLI, on the served document.
    const cli = path.join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
    await run(
      process.execPath,
      [cli, `${stack.gateway.url}/openapi.json`, '-o', path.join(scratch, 'gateway-api.ts')],
      {
        cwd: scratch,
      },
    );
    expect(readFileSync(path.join(scratch, 'gateway-api.ts'), 'utf8')).toContain('"/v1/activations/{requestId}/otp"');

    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const compiled = await run(process.execPath, [tsc, '-p', scratch], { cwd: scratch }).catch((error) => error);
    expect(`${compiled.stdout ?? ''}${compiled.stderr ?? ''}`).toBe('');

    const seeded = await stack.h.seed();
    const { stdout } = await run(
      process.execPath,
      [
        path.join(scratch, 'dist', 'program.js'),
        stack.gateway.url,
        API_KEY,
        stack.h.sandboxUrl,
        seeded.requestId,
        seeded.transactionId,
        seeded.accessToken,
      ],
      { cwd: scratch, timeout: 120_000 },
    );
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual([
      'start 202 secret',
      'refused 422 invalid_request',
      'otp accepted awaiting_payment',
      'payment 202 true',
      'final activated',
    ]);
  });
});
