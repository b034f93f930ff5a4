// `ops`: the operator repairs, one module each. Each records who did it and why in the activation's events.
import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { addOperatorCancelCommand } from './cancel';
import { addExtendDeadlineCommand } from './extend-deadline';
import { addNewOtpCommand } from './new-otp';
import { defaultOperator, type OpsContext } from './operator-command';
import { addRetryStepCommand } from './retry-step';
import { addVerifyPaymentCommand } from './verify-payment';

/** Adds `ops` and its commands to the program; returns the `ops` group. */
export function addOpsCommands(program: Command, cli: CliContext): Command {
  const ops = program
    .command('ops')
    .description("operator repairs; each records who did it and why in the activation's events")
    .addHelpText(
      'after',
      '\nEvery ops command records --operator (default: VLENS_OPERATOR or your OS user name) and --reason.',
    );
  const context: OpsContext = { ...cli, ops, fallbackOperator: defaultOperator(cli.env) };
  addExtendDeadlineCommand(context);
  addNewOtpCommand(context);
  addVerifyPaymentCommand(context);
  addRetryStepCommand(context);
  addOperatorCancelCommand(context);
  return ops;
}
