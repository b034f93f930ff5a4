// The CLI's `ops` commands without a server: help on every one, usage errors, the operator default,
// and the schemas that check an operator action before anything is sent.
import type { Client } from '@temporalio/client';
import { describe, expect, test } from 'vitest';
import { ActivationClient } from '../../client/activation-client';
import { defaultOperator, EXIT, runCli } from '../../client/cli';
import { InvalidInput } from '../../client/errors';

const REQUEST = '81f404b3-d7dc-4f08-b4fe-934853c86282';

async function cli(argv: string[], env: NodeJS.ProcessEnv = { VLENS_OPERATOR: 'unit-op' }) {
  let stdout = '';
  let stderr = '';
  const unreachable = {} as Client;
  const code = await runCli(argv, {
    io: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
    createClient: () => new ActivationClient({ client: unreachable, taskQueue: 'unused' }),
    env,
  });
  return { code, stdout, stderr };
}

describe('vlens-activation ops without a server', () => {
  test('--help on ops and on every ops command exits 0, shows the exit codes and the operator default', async () => {
    const top = await cli(['ops', '--help']);
    expect(top.code).toBe(EXIT.ok);
    for (const name of ['extend-deadline', 'new-otp', 'verify-payment', 'cancel']) expect(top.stdout).toContain(name);
    for (const name of ['extend-deadline', 'new-otp', 'verify-payment', 'cancel']) {
      const { code, stdout } = await cli(['ops', name, '--help']);
      expect(code).toBe(EXIT.ok);
      expect(stdout).toMatch(/Exit codes:/);
      expect(stdout).toMatch(/--operator <name>/);
      expect(stdout).toMatch(/--reason <text>/);
      expect(stdout).toContain('unit-op');
    }
    expect((await cli(['ops', 'extend-deadline', '--help'])).stdout).toMatch(/--step <step>[\s\S]*--by <duration>/);
    expect((await cli(['--help'])).stdout).toMatch(/ops\s+operator repairs/);
  });

  test('usage errors exit 2: no subcommand, no reason, bad step or duration', async () => {
    expect((await cli(['ops'])).code).toBe(EXIT.usage);
    expect((await cli(['ops', 'cancel', REQUEST])).code).toBe(EXIT.usage);
    expect((await cli(['ops', 'extend-deadline', REQUEST, '--by', '1h', '--reason', 'x'])).code).toBe(EXIT.usage); // no --step
    expect((await cli(['ops', 'extend-deadline', REQUEST, '--step', 'otp', '--by', '-5m', '--reason', 'x'])).code).toBe(
      EXIT.usage,
    );
    expect(
      (await cli(['ops', 'extend-deadline', REQUEST, '--step', 'otp', '--by', '8 days', '--reason', 'x'])).code,
    ).toBe(EXIT.usage);
  });

  test('invalid input exits 5 before anything is sent', async () => {
    const blank = await cli(['ops', 'new-otp', REQUEST, '--reason', ' ']);
    expect(blank.code).toBe(EXIT.invalidInput);
    expect(blank.stderr).toMatch(/reason: must say why/);
    expect((await cli(['ops', 'new-otp', 'not-a-uuid', '--reason', 'x'])).code).toBe(EXIT.invalidInput);
    expect((await cli(['ops', 'cancel', REQUEST, '--reason', 'x', '--operator', 'o'.repeat(101)])).code).toBe(
      EXIT.invalidInput,
    );
  });

  test('the operator defaults to VLENS_OPERATOR, then the OS user', () => {
    expect(defaultOperator({ VLENS_OPERATOR: ' eve ' })).toBe('eve');
    expect(defaultOperator({})).toBeTruthy();
  });

  test('ActivationClient refuses malformed operator actions with InvalidInput', async () => {
    const client = new ActivationClient({ client: {} as Client, taskQueue: 'unused' });
    await expect(client.forceNewOtp(REQUEST, { operator: '', reason: 'x' })).rejects.toBeInstanceOf(InvalidInput);
    await expect(
      client.extendDeadline(REQUEST, { operator: 'a', reason: 'x', step: 'otp', extendBy: '0s' }),
    ).rejects.toBeInstanceOf(InvalidInput);
    await expect(client.verifyPayment(REQUEST, { operator: 'a' } as never)).rejects.toBeInstanceOf(InvalidInput);
    await expect(client.operatorCancel('nope', { operator: 'a', reason: 'x' })).rejects.toBeInstanceOf(InvalidInput);
  });
});
