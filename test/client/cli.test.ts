// The CLI without a server: help, usage errors (exit 2), input errors found before anything is sent
// (exit 5), and the human-readable status.
import type { Client } from '@temporalio/client';
import { describe, expect, test } from 'vitest';
import { ActivationClient } from '../../client/activation-client';
import { EXIT, runCli } from '../../client/cli';
import { formatList, formatStatus } from '../../client/cli/status-format';

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  // A client that must never be reached: every case here fails before talking to Temporal.
  const unreachable = {} as Client;
  const code = await runCli(argv, {
    io: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
    createClient: () => new ActivationClient({ client: unreachable, taskQueue: 'unused' }),
  });
  return { code, stdout, stderr };
}

const REQUEST = '81f404b3-d7dc-4f08-b4fe-934853c86282';

describe('vlens-activation without a server', () => {
  test('--help on the program and on every command exits 0 and lists the exit codes', async () => {
    for (const argv of [
      ['--help'],
      ...['start', 'otp', 'liveness', 'resend', 'pay', 'cancel', 'status', 'watch', 'list'].map((c) => [c, '--help']),
    ]) {
      const { code, stdout } = await cli(...argv);
      expect(code).toBe(EXIT.ok);
      expect(stdout).toMatch(/Exit codes:\n\s+0 {2}success/);
    }
  });

  test('usage errors exit 2', async () => {
    expect((await cli()).code).toBe(EXIT.usage);
    expect((await cli('nope')).code).toBe(EXIT.usage);
    expect((await cli('otp', REQUEST, '123456')).code).toBe(EXIT.usage); // no --lat/--lon
    expect((await cli('otp', REQUEST, '123456', '--lat', '100', '--lon', '0')).code).toBe(EXIT.usage);
    expect((await cli('list', '--state', 'sleeping')).code).toBe(EXIT.usage);
    expect((await cli('start', REQUEST, '--lat', '1', '--lon', '1', '--policy', '[1]')).code).toBe(EXIT.usage);
    expect((await cli('watch')).code).toBe(EXIT.usage);
    expect((await cli('start', '--help')).stdout).toMatch(/--no-wait/);
    const { stderr } = await cli('pay', REQUEST);
    expect(stderr).toMatch(/--event-id/);
  });

  test('invalid input exits 5 and names the field, before anything is sent', async () => {
    const bad = await cli('otp', REQUEST, '12', '--lat', '30', '--lon', '31');
    expect(bad.code).toBe(EXIT.invalidInput);
    expect(bad.stderr).toMatch(/invalid_request/);
    expect(bad.stderr).toMatch(/code: must be 4 to 8 digits/);
    expect((await cli('status', 'not-a-uuid')).code).toBe(EXIT.invalidInput);
    expect((await cli('liveness', REQUEST, '/nonexistent/selfie.jpg', '--lat', '30', '--lon', '31')).code).toBe(
      EXIT.invalidInput,
    );
    const missingInput = await cli(
      'start',
      REQUEST,
      '--lat',
      '30',
      '--lon',
      '31',
      '--input',
      '/nonexistent/input.json',
    );
    expect(missingInput.code).toBe(EXIT.invalidInput);
    expect(missingInput.stderr).toMatch(/cannot read \/nonexistent\/input\.json: ENOENT/);
  });
});

test('formatStatus and formatList are readable and carry no secrets', () => {
  const text = formatStatus({
    requestId: REQUEST,
    workflowId: `activation-${REQUEST}`,
    state: 'awaiting_otp',
    needsAttention: false,
    version: 3,
    nextAction: { type: 'submit_otp', attemptsLeft: 5, sendsLeft: 4, expiresAt: '2030-01-01T00:05:00.000Z' },
    events: [{ at: '2030-01-01T00:00:00.000Z', type: 'otp_sent', detail: 'send 1 of 5' }],
  });
  expect(text).toMatch(/State:\s+awaiting_otp/);
  expect(text).toMatch(/Next action:\s+submit_otp \(expires 2030-01-01T00:05:00.000Z, 5 attempts left, 4 sends left\)/);
  expect(text).toMatch(/otp_sent\s+send 1 of 5/);
  expect(formatList([])).toBe('no activations');
  expect(
    formatList([
      {
        requestId: REQUEST,
        workflowId: 'w',
        runId: 'r',
        state: 'failed',
        tenant: 'default',
        executionStatus: 'FAILED',
        startTime: '2030-01-01T00:00:00.000Z',
      },
    ]),
  ).toMatch(/REQUEST\s+STATE\s+EXECUTION\s+STARTED\n81f404b3.*failed\s+FAILED/);
});
