// `ops extend-deadline <requestId> --step otp|payment --by <duration>`: give the user more time.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { extensionMs } from '../../../../contract/rules';
import { idempotencyFrom } from '../../options';
import { formatStatus } from '../../status-format';
import { auditFrom, byLine, operatorCommand, type OperatorOptions, type OpsContext } from './operator-command';

interface ExtendOptions extends OperatorOptions {
  step: 'otp' | 'payment';
  by: string | number;
}

/** `--by 30m`: a Temporal duration ('30m', '2h', '90 seconds') or milliseconds, positive, at most 7 days. */
function extension(text: string): string | number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : text.trim();
  if (extensionMs(value) === undefined) {
    throw new InvalidArgumentError('must be a positive duration of at most 7 days, such as 30m, 2h or 1800000 (ms)');
  }
  return value;
}

export function addExtendDeadlineCommand(cli: OpsContext): void {
  operatorCommand(cli, 'extend-deadline', 'give the user more time for the OTP or the payment step')
    .addOption(
      new Option('--step <step>', 'the step whose deadline moves').choices(['otp', 'payment']).makeOptionMandatory(),
    )
    .requiredOption('--by <duration>', 'how much longer, e.g. 30m, 2h (at most 7 days)', extension)
    .addHelpText(
      'after',
      '\nExample:\n  vlens-activation ops extend-deadline 81f404b3-d7dc-4f08-b4fe-934853c86282 --step payment --by 30m --reason "bank outage"',
    )
    .action(async (requestId: string, options: ExtendOptions, command: Command) => {
      await cli.run(command, async (client) => {
        const { status } = await client.extendDeadline(
          requestId,
          { ...auditFrom(cli, options), step: options.step, extendBy: options.by },
          idempotencyFrom(options),
        );
        cli.print(
          options,
          status,
          `${options.step} deadline extended by ${options.by} (${byLine(cli, options)})\n${formatStatus(status)}`,
        );
      });
    });
}
