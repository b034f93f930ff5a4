// `ops verify-payment <requestId>`: ask Vlens whether the payment went through; only Vlens's answer activates.
import type { Command } from 'commander';
import { idempotencyFrom } from '../../options';
import { formatStatus } from '../../status-format';
import { auditFrom, byLine, operatorCommand, type OperatorOptions, type OpsContext } from './operator-command';

export function addVerifyPaymentCommand(cli: OpsContext): void {
  operatorCommand(
    cli,
    'verify-payment',
    "ask Vlens whether the payment went through; only Vlens's answer activates",
  ).action(async (requestId: string, options: OperatorOptions, command: Command) => {
    await cli.run(command, async (client) => {
      const answer = await client.verifyPayment(requestId, auditFrom(cli, options), idempotencyFrom(options));
      const verdict = answer.activated ? 'Vlens confirmed the payment' : 'Vlens has not confirmed the payment';
      cli.print(
        options,
        answer,
        `${verdict}; state ${answer.status.state} (${byLine(cli, options)})\n${formatStatus(answer.status)}`,
      );
    });
  });
}
