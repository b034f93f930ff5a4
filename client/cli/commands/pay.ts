// `pay <requestId>`: tell the activation a payment was made. Only a hint: Vlens confirms it.
import { Option, type Command } from 'commander';
import { PAYMENT_SOURCES, type PaymentSource } from '../../../contract/types';
import type { CliContext } from '../context';
import { numberIn } from '../options';

interface PayOptions {
  eventId: string;
  source: PaymentSource;
  reference?: string;
  amount?: number;
  currency?: string;
  paidAt?: string;
}

export function addPayCommand(program: Command, cli: CliContext): void {
  program
    .command('pay')
    .argument('<requestId>', 'the business request')
    .description('tell the activation a payment was made (a hint: Vlens confirms it)')
    .requiredOption('--event-id <id>', 'identity of this payment notification (duplicates are ignored)')
    .addOption(
      new Option('--source <source>', 'who reports the payment').choices([...PAYMENT_SOURCES]).default('operator'),
    )
    .option('--reference <ref>', 'payment reference')
    .option('--amount <n>', 'amount paid', numberIn(0, Number.MAX_SAFE_INTEGER))
    .option('--currency <ISO>', 'three-letter currency code')
    .option('--paid-at <iso>', 'when it was paid')
    .action(async (requestId: string, options: PayOptions, command: Command) => {
      await cli.run(command, async (client) => {
        await client.paymentCompleted(requestId, {
          source: options.source,
          eventId: options.eventId,
          ...(options.reference ? { reference: options.reference } : {}),
          ...(options.amount !== undefined ? { amount: options.amount } : {}),
          ...(options.currency ? { currency: options.currency } : {}),
          ...(options.paidAt ? { paidAt: options.paidAt } : {}),
        });
        cli.io.stdout('payment notification sent\n');
      });
    });
}
