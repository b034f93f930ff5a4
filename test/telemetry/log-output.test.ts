// Logs for people in development, JSON in production (telemetry/log-output.ts, worker/logger.ts): the
// choice of form, the human line's fields, redaction applied by the logger before either form, the worker's
// SDK lines, and a real process (the sandbox) writing JSON in production and human lines under `npm start`.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createLogger, logFormat } from '../../telemetry/log-output';
import { createWorkerLogger } from '../../worker/logger';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TIME = String.raw`\[\d\d:\d\d:\d\d\.\d{3}\]`;
const PRETTY = { LOG_FORMAT: 'pretty', LOG_COLOR: '0' };

/** A real stream (pino-pretty pipes into it) that keeps whole lines. */
function capture(): Writable & { lines: string[] } {
  const lines: string[] = [];
  let pending = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      lines.push(...parts);
      done();
    },
  });
  return Object.assign(stream, { lines });
}

// The human form goes through pino-pretty's stream pipeline; give it a turn to flush.
const flushed = () => sleep(20);

describe('logFormat', () => {
  it('is JSON in production, even on a terminal, and whenever output is not a terminal', () => {
    expect(logFormat({ NODE_ENV: 'production' }, true)).toBe('json');
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({}, true)).toBe('pretty');
  });

  it('follows LOG_FORMAT when set, and refuses a value it does not know', () => {
    expect(logFormat({ LOG_FORMAT: 'pretty', NODE_ENV: 'production' }, false)).toBe('pretty');
    expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(() => logFormat({ LOG_FORMAT: 'yaml' }, true)).toThrow(/LOG_FORMAT=yaml/);
  });
});

describe('the human form', () => {
  it('prints one line per event with time, level, message and the fields that matter', async () => {
    const out = capture();
    const log = createLogger({ level: 'info' }, PRETTY, out);
    const request = log.child({ reqId: 'r1' });
    request.info({ req: { method: 'POST', url: '/v1/activations', remoteAddress: '127.0.0.1' } }, 'incoming request');
    request.info({ res: { statusCode: 201 }, responseTime: 35.4 }, 'request completed');
    log.info({ requestId: 'abc', state: 'awaiting_otp', workflowId: 'activation-abc', other: 'x' }, 'state changed');
    log.error({ err: new Error('boom') }, 'call failed');
    await flushed();
    expect(out.lines).toHaveLength(4);
    expect(out.lines[0]).toMatch(new RegExp(`^${TIME} INFO: incoming request reqId=r1 route="POST /v1/activations"$`));
    expect(out.lines[1]).toMatch(
      new RegExp(`^${TIME} INFO: request completed reqId=r1 route="POST /v1/activations" status=201 duration=35ms$`),
    );
    expect(out.lines[2]).toMatch(new RegExp(`^${TIME} INFO: state changed requestId=abc state=awaiting_otp$`));
    expect(out.lines[3]).toMatch(new RegExp(`^${TIME} ERROR: call failed err=boom$`));
  });

  it('shows the values the logger already redacted, never the originals', async () => {
    const out = capture();
    const log = createLogger({ level: 'info', redact: { paths: ['requestId'], censor: '[redacted]' } }, PRETTY, out);
    log.info({ requestId: 'secret-value' }, 'redacted by the logger');
    await flushed();
    expect(out.lines).toEqual([expect.stringMatching(/redacted by the logger requestId=\[redacted\]$/)]);
  });

  it("keeps a long INFO message to its first line (the bundler's statistics), a warning whole", async () => {
    const out = capture();
    const log = createLogger({ level: 'info' }, PRETTY, out);
    log.info('asset workflow-bundle.js 2 MiB\nruntime modules 883 bytes\nwebpack compiled');
    log.warn('first\nsecond');
    await flushed();
    expect(out.lines[0]).toMatch(/INFO: asset workflow-bundle.js 2 MiB \(\+2 lines in LOG_FORMAT=json\)$/);
    expect(out.lines.slice(1)).toEqual([expect.stringMatching(/WARN: first$/), 'second']);
  });
});

describe("the worker's log, the SDK's lines included", () => {
  it('is one JSON object per line in production', () => {
    const out = capture();
    const { log, sdk } = createWorkerLogger({ NODE_ENV: 'production' }, out);
    sdk.log('WARN', 'Activity failed', { workflowId: 'activation-x', error: new Error('boom') });
    log.info('worker stopped cleanly');
    const [failed, stopped] = out.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(failed).toMatchObject({ level: 40, msg: 'Activity failed', workflowId: 'activation-x' });
    expect(failed!.error).toMatchObject({ type: 'Error', message: 'boom' });
    expect(stopped).toMatchObject({ level: 30, msg: 'worker stopped cleanly' });
  });

  it('reads like the other processes in development', async () => {
    const out = capture();
    const { sdk } = createWorkerLogger(PRETTY, out);
    sdk.log('INFO', 'activation finished', { requestId: 'r9', state: 'activated', workflowId: 'activation-r9' });
    sdk.log('DEBUG', 'below the level', {});
    await flushed();
    expect(out.lines).toEqual([
      expect.stringMatching(new RegExp(`^${TIME} INFO: activation finished requestId=r9 state=activated$`)),
    ]);
  });

  it('refuses a LOG_LEVEL the SDK does not have', () => {
    expect(() => createWorkerLogger({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL=verbose/);
  });
});

/** Starts the real sandbox process, makes one request, stops it; returns its stdout lines. */
async function sandboxOutput(env: Record<string, string>): Promise<string[]> {
  const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['sandbox/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, SANDBOX_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const out = capture();
  child.stdout.pipe(out);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    const deadline = Date.now() + 60_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = out.lines.join('\n').match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
      await sleep(100);
    }
    if (!url) throw new Error(`the sandbox did not start: ${out.lines.join('\n')}`);
    await (await fetch(`${url}/sandbox/calls`)).text();
    await sleep(200);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return out.lines;
}

describe('a real process (the sandbox)', () => {
  it('writes JSON in production, one object per line with the same fields as before', async () => {
    const lines = await sandboxOutput({ NODE_ENV: 'production' });
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const record of records) {
      expect(Object.keys(record).slice(0, 4)).toEqual(['level', 'time', 'pid', 'hostname']);
      expect(record.msg).toEqual(expect.any(String));
    }
    expect(records.map((record) => record.msg)).toContain('GET /sandbox/calls 200');
  });

  it('writes one human line per event under npm start (LOG_FORMAT=pretty)', async () => {
    const lines = await sandboxOutput(PRETTY);
    for (const line of lines) expect(line).toMatch(new RegExp(`^${TIME} (INFO|WARN|ERROR): `));
    expect(lines).toContainEqual(expect.stringMatching(/INFO: GET \/sandbox\/calls 200$/));
  });
});
