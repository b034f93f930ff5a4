// The CLI's operator repairs (`vlens-activation ops ...`) against the real Temporal server and worker,
// run in-process through runCli: each one must leave the operator's name and reason in `status.events`,
// answer with the documented exit codes, and refuse before anything is written when it cannot apply.
import os from 'node:os';
import { describe, expect } from 'vitest';
import { ActivationClient } from '../../client/activation-client';
import { EXIT, runCli } from '../../client/cli';
import type { ActivationStatus } from '../../contract/types';
import { temporalTest } from '../temporal/fixtures';
import type { Harness } from '../temporal/harness';
import { historyEventTypes } from '../temporal/history-recorder';
import { submitInboxOtp } from '../temporal/scenario-helpers';

/** The CLI run in-process against a harness, and the steps the ops tests start from. */
function operatorDesk(h: Harness) {
  async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, {
      io: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
      createClient: () => new ActivationClient({ client: h.client, taskQueue: h.taskQueue }),
      env,
    });
    return { code, stdout, stderr };
  }

  async function statusOf(requestId: string): Promise<ActivationStatus> {
    const { code, stdout } = await cli(['status', requestId, '--json']);
    expect(code).toBe(EXIT.ok);
    return JSON.parse(stdout) as ActivationStatus;
  }

  /** A fresh activation waiting for its OTP (no resend allowed by the user, no reconciliation). */
  async function awaitingOtp(policy: Record<string, unknown> = {}) {
    const seeded = await h.seed();
    const handle = await h.start(seeded, {
      policy: { resendCooldown: '1h', paymentReconcileInitial: '1h', paymentReconcileMax: '1h', ...policy },
    });
    await h.waitForState(handle, 'awaiting_otp');
    return { seeded, handle };
  }

  return { cli, statusOf, awaitingOtp };
}

type OperatorDesk = ReturnType<typeof operatorDesk>;

const test = temporalTest.extend<OperatorDesk>({
  cli: async ({ harness }, use) => use(operatorDesk(harness).cli),
  statusOf: async ({ harness }, use) => use(operatorDesk(harness).statusOf),
  awaitingOtp: async ({ harness }, use) => use(operatorDesk(harness).awaitingOtp),
});

describe('vlens-activation ops', () => {
  test('extend-deadline records the operator and reason and moves the OTP expiry', async ({
    cli,
    statusOf,
    awaitingOtp,
  }) => {
    const { seeded } = await awaitingOtp();
    const before = await statusOf(seeded.requestId);
    const answer = await cli([
      'ops',
      'extend-deadline',
      seeded.requestId,
      '--step',
      'otp',
      '--by',
      '30m',
      '--operator',
      'alice@ops',
      '--reason',
      'SMS delayed by the carrier',
    ]);
    expect(answer.code).toBe(EXIT.ok);
    expect(answer.stdout).toMatch(/^otp deadline extended by 30m \(by alice@ops: SMS delayed by the carrier\)/);

    const after = await statusOf(seeded.requestId);
    expect(after.events).toContainEqual(
      expect.objectContaining({
        type: 'operator_extended_otp_deadline',
        detail: 'by alice@ops: SMS delayed by the carrier',
      }),
    );
    expect(Date.parse(after.otp!.expiresAt) - Date.parse(before.otp!.expiresAt)).toBeGreaterThanOrEqual(
      30 * 60_000 - 1_000,
    );

    // The payment step is not current: refused (exit 4) and nothing written.
    const wrongStep = await cli([
      'ops',
      'extend-deadline',
      seeded.requestId,
      '--step',
      'payment',
      '--by',
      '30m',
      '--operator',
      'alice@ops',
      '--reason',
      'x',
    ]);
    expect(wrongStep.code).toBe(EXIT.invalidState);
    expect(wrongStep.stderr).toMatch(/invalid_state/);
  });

  test('new-otp sends another OTP despite the cooldown; the operator defaults to VLENS_OPERATOR', async ({
    harness: h,
    cli,
    statusOf,
    awaitingOtp,
  }) => {
    const { seeded } = await awaitingOtp();
    const first = await h.latestOtp(seeded.requestId);
    // The user may not resend (cooldown 1h); an operator may.
    expect((await cli(['resend', seeded.requestId, '--lat', '30.0444', '--lon', '31.2357'])).code).toBe(
      EXIT.invalidState,
    );

    const answer = await cli(['ops', 'new-otp', seeded.requestId, '--reason', 'customer never got the SMS', '--json'], {
      VLENS_OPERATOR: 'bob.support',
    });
    expect(answer.code).toBe(EXIT.ok);
    expect(JSON.parse(answer.stdout).state).toBe('awaiting_otp');
    expect((await h.latestOtp(seeded.requestId)).otpRequestId).not.toBe(first.otpRequestId);

    const status = await statusOf(seeded.requestId);
    expect(status.events).toContainEqual(
      expect.objectContaining({
        type: 'operator_forced_new_otp',
        detail: 'by bob.support: customer never got the SMS',
      }),
    );
  });

  test('verify-payment asks Vlens: not confirmed before paying, activated after', async ({
    harness: h,
    cli,
    statusOf,
    awaitingOtp,
  }) => {
    const { seeded, handle } = await awaitingOtp();
    const accepted = await submitInboxOtp(h, handle, seeded);
    const ops = ['--operator', 'carol', '--reason', 'customer says they paid'];

    const unpaid = await cli(['ops', 'verify-payment', seeded.requestId, ...ops]);
    expect(unpaid.code).toBe(EXIT.ok);
    expect(unpaid.stdout).toMatch(
      /^Vlens has not confirmed the payment; state awaiting_payment \(by carol: customer says they paid\)/,
    );

    await h.payThroughPage(accepted.status.nextAction.paymentLink!);
    const paid = await cli(['ops', 'verify-payment', seeded.requestId, ...ops, '--json']);
    expect(paid.code).toBe(EXIT.ok);
    const answer = JSON.parse(paid.stdout) as { activated: boolean; status: ActivationStatus };
    expect(answer.activated).toBe(true);
    expect(answer.status.state).toBe('activated');

    const status = await statusOf(seeded.requestId);
    expect(
      status.events.filter(
        (e) => e.type === 'operator_verifying_payment' && e.detail === 'by carol: customer says they paid',
      ),
    ).toHaveLength(2);

    // Ended: nothing more to verify.
    const ended = await cli(['ops', 'verify-payment', seeded.requestId, ...ops]);
    expect(ended.code).toBe(EXIT.invalidState);
  });

  test('cancel waits for the end; the operator defaults to the OS user name', async ({
    cli,
    statusOf,
    awaitingOtp,
  }) => {
    const { seeded } = await awaitingOtp();
    const answer = await cli(['ops', 'cancel', seeded.requestId, '--reason', 'duplicate request']);
    expect(answer.code).toBe(EXIT.ok);
    expect(answer.stdout).toMatch(/^cancelled: state cancelled/);

    const user = os.userInfo().username;
    const status = await statusOf(seeded.requestId);
    expect(status.state).toBe('cancelled');
    expect(status.events).toContainEqual(
      expect.objectContaining({ type: 'cancel_requested', detail: `by ${user}: duplicate request` }),
    );
  });

  test('refusals: missing reason, bad duration, unknown activation, wrong state (nothing written)', async ({
    cli,
    awaitingOtp,
  }) => {
    const { seeded, handle } = await awaitingOtp();
    const before = await historyEventTypes(handle);

    const noReason = await cli(['ops', 'cancel', seeded.requestId, '--operator', 'dave']);
    expect(noReason.code).toBe(EXIT.usage);
    expect(noReason.stderr).toMatch(/--reason/);
    expect((await cli(['ops', 'cancel', seeded.requestId, '--operator', 'dave', '--reason', '   '])).code).toBe(
      EXIT.invalidInput,
    );
    expect(
      (await cli(['ops', 'extend-deadline', seeded.requestId, '--step', 'otp', '--by', 'soon', '--reason', 'x'])).code,
    ).toBe(EXIT.usage);
    expect(
      (await cli(['ops', 'extend-deadline', seeded.requestId, '--step', 'otp', '--by', '30d', '--reason', 'x'])).code,
    ).toBe(EXIT.usage);
    expect(
      (await cli(['ops', 'extend-deadline', seeded.requestId, '--step', 'liveness', '--by', '1h', '--reason', 'x']))
        .code,
    ).toBe(EXIT.usage);
    expect((await cli(['ops', 'new-otp', '00000000-0000-4000-8000-000000000000', '--reason', 'x'])).code).toBe(
      EXIT.notFound,
    );
    const wrongState = await cli(['ops', 'verify-payment', seeded.requestId, '--reason', 'x']);
    expect(wrongState.code).toBe(EXIT.invalidState);
    expect(wrongState.stderr).toMatch(/invalid_state/);

    expect(await historyEventTypes(handle)).toEqual(before);
    expect((await cli(['ops', 'cancel', seeded.requestId, '--reason', 'test over'])).code).toBe(EXIT.ok);
  });
});
