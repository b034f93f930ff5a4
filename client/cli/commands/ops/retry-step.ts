// `ops retry-step <requestId>`: run again the step an unreadable Vlens answer held (status "attention").
import type { Command } from 'commander';
import { idempotencyFrom } from '../../options';
import { formatStatus } from '../../status-format';
import { auditFrom, byLine, operatorCommand, type OperatorOptions, type OpsContext } from './operator-command';

export function addRetryStepCommand(cli: OpsContext): void {
  operatorCommand(
    cli,
    'retry-step',
    'run again the step that an unreadable Vlens answer held (status "attention"); cancel is the other way out',
  ).action(async (requestId: string, options: OperatorOptions, command: Command) => {
    await cli.run(command, async (client) => {
      const { status } = await client.retryStep(requestId, auditFrom(cli, options), idempotencyFrom(options));
      cli.print(
        options,
        status,
        `step released: state ${status.state} (${byLine(cli, options)})\n${formatStatus(status)}`,
      );
    });
  });
}
