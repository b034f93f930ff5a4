// `otp <requestId> <code>`: submit the OTP the user received.
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { accessTokenFrom, deviceFrom, idempotencyFrom, jsonOption, withDevice, type DeviceOptions } from '../options';
import { formatStatus } from '../status-format';

interface OtpOptions extends DeviceOptions {
  idempotencyKey?: string;
  json?: boolean;
}

export function addOtpCommand(program: Command, cli: CliContext): void {
  withDevice(
    program.command('otp').argument('<requestId>', 'the business request').argument('<code>', 'the OTP from the SMS'),
  )
    .description('submit the OTP the user received')
    .option(
      '--idempotency-key <key>',
      'retrying with the same key returns the first answer instead of using another attempt',
    )
    .addOption(jsonOption())
    .action(async (requestId: string, code: string, options: OtpOptions, command: Command) => {
      await cli.run(command, async (client) => {
        const answer = await client.submitOtp(
          requestId,
          { code, device: deviceFrom(options), ...accessTokenFrom(options, cli.env) },
          idempotencyFrom(options),
        );
        cli.print(
          options,
          answer,
          `OTP ${answer.outcome} (${answer.attemptsLeft} attempts left)\n${formatStatus(answer.status)}`,
        );
      });
    });
}
