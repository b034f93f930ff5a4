// `ops cancel <requestId>`: cancel on an operator's authority and wait until the activation has ended.
import type { Command } from 'commander';
import { idempotencyFrom } from '../../options';
import { formatStatus } from '../../status-format';
import { auditFrom, byLine, operatorCommand, type OperatorOptions, type OpsContext } from './operator-command';

export function addOperatorCancelCommand(cli: OpsContext): void {
  operatorCommand(
    cli,
    'cancel',
    "cancel a running activation on an operator's authority and wait until it has ended",
  ).action(async (requestId: string, options: OperatorOptions, command: Command) => {
    await cli.run(command, async (client) => {
      const { status } = await client.operatorCancel(requestId, auditFrom(cli, options), idempotencyFrom(options));
      cli.print(options, status, `cancelled: state ${status.state} (${byLine(cli, options)})\n${formatStatus(status)}`);
    });
  });
}
