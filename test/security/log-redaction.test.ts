// Issue 27 item 7 as an attack on the running processes that log URLs (gateway, codec server, sandbox):
// credentials sent under every spelling a server decodes to the same name (`access%5Ftoken`,
// `%61ccess_token`, `%74oken`, mixed case, double-encoded), and credential-shaped values under harmless
// names or in the path, must not appear in anything the process prints. Each process is the real entry
// point (`npm run gateway` etc.) with its development defaults; the log lines are its stdout.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startProcess, type RunningProcess } from './processes';

/** A fresh secret per use, so a match in the output can only come from this request. */
const apiKey = () => `acme-backend-key-${randomBytes(8).toString('hex')}`;
const clientSecret = () => `vcs1.acme.${Math.floor(Date.now() / 1000) + 3600}.${randomBytes(32).toString('base64url')}`;
const shortToken = () => `t${randomBytes(4).toString('hex')}`; // short: only its name gives it away
const jwt = () =>
  [
    Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url'),
    Buffer.from(JSON.stringify({ sub: randomUUID() })).toString('base64url'),
    randomBytes(32).toString('base64url'),
  ].join('.');

/** Every spelling of a credential's name that decodes to it, and values that are credentials by shape. */
function attacks(): { query: string; secret: string }[] {
  const named = [
    'access%5Ftoken',
    '%61ccess_token',
    '%74oken',
    'ACCESS_TOKEN',
    'Access%5FToken',
    'access%255Ftoken', // double-encoded
    '%2574oken',
    'api%5Fkey',
    'Client%5FSecret',
    'x%2Dapi%2Dkey',
  ].map((name) => {
    const secret = shortToken();
    return { query: `${name}=${secret}`, secret };
  });
  const shaped = [apiKey(), clientSecret(), jwt()].map((secret) => ({
    query: `note=${encodeURIComponent(secret)}`,
    secret,
  }));
  return [...named, ...shaped];
}

/** The output must carry the request (so the test sees a logged URL) and none of the secrets. */
async function expectRedacted(process: RunningProcess, marker: string, secrets: string[]) {
  for (let i = 0; i < 100 && !process.output().includes(marker); i++) await new Promise((r) => setTimeout(r, 100));
  const out = process.output();
  expect(out).toContain(marker);
  for (const secret of secrets) {
    for (const spelling of new Set([secret, encodeURIComponent(secret)])) expect(out).not.toContain(spelling);
  }
}

describe('security: credentials in URLs never reach a log line', () => {
  const running: RunningProcess[] = [];
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
  });

  it('gateway: every spelling of a credential parameter, and credential-shaped values, are masked', async () => {
    const gateway = await startProcess('gateway', {});
    running.push(gateway);
    const requestId = randomUUID();
    const all = attacks();
    for (const { query } of all) await fetch(`${gateway.url}/v1/activations/${requestId}/events?${query}`);
    const token = jwt();
    await fetch(`${gateway.url}/v1/activations/${token}?probe=1`);
    await expectRedacted(gateway, `/v1/activations/${requestId}/events?`, [...all.map((a) => a.secret), token]);
  });

  it('codec server: the same, on /{namespace}/decode', async () => {
    const codec = await startProcess('codec-server', {});
    running.push(codec);
    const all = attacks();
    for (const { query } of all)
      await fetch(`${codec.url}/default/decode?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"payloads":[]}',
      });
    await expectRedacted(
      codec,
      '/default/decode?',
      all.map((a) => a.secret),
    );
  });

  it('sandbox: a credential-shaped path segment (its request lines name the path)', async () => {
    const sandbox = await startProcess('sandbox', {});
    running.push(sandbox);
    const all = attacks();
    const token = jwt();
    for (const { query } of all) await fetch(`${sandbox.url}/api/BusinessRequest/${token}?${query}`);
    await expectRedacted(sandbox, '/api/BusinessRequest/', [...all.map((a) => a.secret), token]);
  });
});
