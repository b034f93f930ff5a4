// The CLI against the real Temporal server and worker: every command's output and exit code, run
// in-process through runCli, plus the real `vlens-activation` bin spawned once (tsx loader, env config).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject } from 'vitest';
import { ActivationClient } from '../../client/activation-client';
import { EXIT, runCli } from '../../client/cli';
import { oncePerStack, temporalTest } from '../temporal/fixtures';
import type { Harness, SeededRequest } from '../temporal/harness';

const run = promisify(execFile);
const BIN = path.resolve(new URL('../../client/cli-bin.mjs', import.meta.url).pathname);
const AT = ['--lat', '30.0444', '--lon', '31.2357'];

/** The sandbox request the describe block's tests drive through the CLI, one after another. */
const seededOnce = oncePerStack((h: Harness) => h.seed());

const test = temporalTest.extend<{
  seeded: SeededRequest;
  cli: (...argv: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;
}>({
  seeded: async ({ harness }, use) => use(await seededOnce(harness)),
  cli: async ({ harness: h }, use) =>
    use(async (...argv) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(argv, {
        io: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
        createClient: () => new ActivationClient({ client: h.client, taskQueue: h.taskQueue }),
      });
      return { code, stdout, stderr };
    }),
});

describe('vlens-activation CLI', () => {
  test('start (created, then joined), status human and JSON, list by state', async ({ harness: h, seeded, cli }) => {
    const started = await cli(
      'start',
      seeded.requestId,
      ...AT,
      '--transaction-id',
      seeded.transactionId,
      '--policy',
      '{"resendCooldown":"1h"}',
      '--json',
    );
    expect(started.code).toBe(EXIT.ok);
    // start waits for the first Vlens step: the answer already says the OTP is out.
    expect(JSON.parse(started.stdout)).toMatchObject({
      created: true,
      status: { requestId: seeded.requestId, state: 'awaiting_otp' },
    });
    const again = await cli('start', seeded.requestId, ...AT);
    expect(again.code).toBe(EXIT.ok);
    expect(again.stdout).toMatch(/^Already running: activation-/);

    await h.waitForState(h.client.workflow.getHandle(`activation-${seeded.requestId}`), 'awaiting_otp');
    const human = await cli('status', seeded.requestId);
    expect(human.code).toBe(EXIT.ok);
    expect(human.stdout).toMatch(/State:\s+awaiting_otp/);
    expect(human.stdout).toMatch(/Next action:\s+submit_otp/);
    expect(JSON.parse((await cli('status', seeded.requestId, '--json')).stdout).state).toBe('awaiting_otp');

    let listed = '';
    for (let i = 0; i < 50 && !listed.includes(seeded.requestId); i++) {
      listed = (await cli('list', '--state', 'awaiting_otp', '--limit', '1000')).stdout;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(listed).toMatch(/REQUEST\s+STATE/);
    expect(listed).toContain(seeded.requestId);
  });

  test('start --no-wait answers at once; watch prints each change until the activation ends', async ({
    harness: h,
    cli,
  }) => {
    const quick = await h.seed();
    const answered = await cli(
      'start',
      quick.requestId,
      ...AT,
      '--transaction-id',
      quick.transactionId,
      '--no-wait',
      '--json',
    );
    expect(answered.code).toBe(EXIT.ok);
    expect(JSON.parse(answered.stdout)).toMatchObject({ created: true, status: { requestId: quick.requestId } });

    const watched = await h.seed();
    expect((await cli('start', watched.requestId, ...AT, '--transaction-id', watched.transactionId)).stdout).toMatch(
      /State:\s+awaiting_otp/,
    );
    let lines = '';
    const watching = runCli(['watch', watched.requestId, '--json'], {
      io: { stdout: (t) => void (lines += t), stderr: (t) => void (lines += t) },
      createClient: () => new ActivationClient({ client: h.client, taskQueue: h.taskQueue }),
    });
    for (let i = 0; i < 100 && !lines.includes('\n'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const { code } = await h.latestOtp(watched.requestId);
    expect((await cli('otp', watched.requestId, code, ...AT)).code).toBe(EXIT.ok);
    expect((await cli('cancel', watched.requestId, '--reason', 'watch test')).code).toBe(EXIT.ok);
    expect(await watching).toBe(EXIT.ok);
    const seen = lines
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { state: string; version: number });
    expect(seen[0]!.state).toBe('awaiting_otp');
    expect(seen.map((s) => s.state)).toContain('awaiting_payment');
    expect(seen.at(-1)!.state).toBe('cancelled');
    // One line per change: versions only go up.
    expect(seen.every((s, i) => i === 0 || s.version > seen[i - 1]!.version)).toBe(true);
  });

  test('otp, resend, liveness, pay, cancel: outcomes and exit codes', async ({ harness: h, seeded, cli }) => {
    const wrong = await cli('otp', seeded.requestId, '000001', ...AT, '--idempotency-key', 'cli-1');
    expect(wrong.code).toBe(EXIT.ok);
    expect(wrong.stdout).toMatch(/^OTP wrong_code \(4 attempts left\)/);

    const invalid = await cli('otp', seeded.requestId, '12ab', ...AT);
    expect(invalid.code).toBe(EXIT.invalidInput);
    expect(invalid.stderr).toMatch(/code: must be 4 to 8 digits/);

    const cooldown = await cli('resend', seeded.requestId, ...AT);
    expect(cooldown.code).toBe(EXIT.invalidState);
    expect(cooldown.stderr).toMatch(/resend_cooldown/);

    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'cli-')), 'selfie.jpg');
    writeFileSync(file, Buffer.from('not really a jpeg'));
    const liveness = await cli('liveness', seeded.requestId, file, ...AT);
    expect(liveness.code).toBe(EXIT.invalidState);
    expect(liveness.stderr).toMatch(/invalid_state/);
    expect((await cli('liveness', seeded.requestId, file, file, ...AT)).code).toBe(EXIT.usage);

    expect(
      (await cli('pay', seeded.requestId, '--event-id', 'cli-evt-1', '--amount', '10', '--currency', 'EGP')).code,
    ).toBe(EXIT.ok);
    expect((await cli('status', '00000000-0000-4000-8000-000000000000')).code).toBe(EXIT.notFound);

    expect((await cli('cancel', seeded.requestId, '--reason', 'operator test')).code).toBe(EXIT.ok);
    await h.waitForState(h.client.workflow.getHandle(`activation-${seeded.requestId}`), 'cancelled');
    let ended = await cli('otp', seeded.requestId, '123456', ...AT);
    for (let i = 0; i < 20 && ended.code !== EXIT.invalidState; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      ended = await cli('otp', seeded.requestId, '123456', ...AT);
    }
    expect(ended.code).toBe(EXIT.invalidState);
  });

  test('usage errors exit 2; --help exits 0 and documents the exit codes', async ({ seeded, cli }) => {
    expect((await cli()).code).toBe(EXIT.usage);
    expect((await cli('otp', seeded.requestId)).code).toBe(EXIT.usage);
    expect((await cli('frobnicate')).code).toBe(EXIT.usage);
    expect((await cli('start', seeded.requestId, '--lat', 'north', '--lon', '1')).code).toBe(EXIT.usage);
    const help = await cli('resend', '--help');
    expect(help.code).toBe(EXIT.ok);
    expect(help.stdout).toMatch(/Exit codes:/);
    expect(help.stdout).toMatch(/--idempotency-key/);
  });

  test('the installed bin runs the TypeScript CLI and reads the Temporal address from env', async ({ seeded }) => {
    // The fixture key the harness's worker encrypts with (test/temporal/harness.ts), as CODEC_KEYS.
    const CODEC_KEYS = `fixture-1:${Buffer.alloc(32, 7).toString('base64')}`;
    const env = {
      ...process.env,
      CODEC_KEYS,
      VLENS_DEBUG: '1',
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    };
    const { stdout } = await run('node', [BIN, 'status', seeded.requestId, '--json'], { env });
    expect(JSON.parse(stdout).requestId).toBe(seeded.requestId);
    const failed = await run('node', [BIN, 'status', 'not-a-uuid'], { env }).catch((error: { code: number }) => error);
    expect((failed as { code: number }).code).toBe(EXIT.invalidInput);
  });
});
