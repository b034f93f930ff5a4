// `resend <requestId>`: ask for a new OTP (refused during the cooldown and once all sends are used).
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { accessTokenFrom, deviceFrom, idempotencyFrom, jsonOption, withDevice, type DeviceOptions } from '../options';
import { formatStatus } from '../status-format';

interface ResendOptions extends DeviceOptions {
  idempotencyKey?: string;
  json?: boolean;
}

export function addResendCommand(program: Command, cli: CliContext): void {
  withDevice(program.command('resend').argument('<requestId>', 'the business request'))
    .description('ask for a new OTP (refused during the cooldown and once all sends are used)')
    .option('--idempotency-key <key>', 'retrying with the same key does not send a second SMS')
    .addOption(jsonOption())
    .action(async (requestId: string, options: ResendOptions, command: Command) => {
      await cli.run(command, async (client) => {
        const answer = await client.resendOtp(
          requestId,
          { device: deviceFrom(options), ...accessTokenFrom(options, cli.env) },
          idempotencyFrom(options),
        );
        cli.print(options, answer.status, `new OTP requested\n${formatStatus(answer.status)}`);
      });
    });
}
