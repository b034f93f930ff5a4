// `ops new-otp <requestId>`: a new SMS now, despite the resend cooldown and the send limit.
import type { Command } from 'commander';
import { idempotencyFrom } from '../../options';
import { formatStatus } from '../../status-format';
import { auditFrom, byLine, operatorCommand, type OperatorOptions, type OpsContext } from './operator-command';

export function addNewOtpCommand(cli: OpsContext): void {
  operatorCommand(
    cli,
    'new-otp',
    'send the user a new OTP now, ignoring the resend cooldown and the send limit',
  ).action(async (requestId: string, options: OperatorOptions, command: Command) => {
    await cli.run(command, async (client) => {
      const { status } = await client.forceNewOtp(requestId, auditFrom(cli, options), idempotencyFrom(options));
      cli.print(options, status, `new OTP sent (${byLine(cli, options)})\n${formatStatus(status)}`);
    });
  });
}
