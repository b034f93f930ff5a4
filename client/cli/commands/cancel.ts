// `cancel <requestId> --reason`: cancel a running activation (the app's cancel; `ops cancel` is the operator's).
import type { Command } from 'commander';
import type { CliContext } from '../context';

export function addCancelCommand(program: Command, cli: CliContext): void {
  program
    .command('cancel')
    .argument('<requestId>', 'the business request')
    .description('cancel a running activation')
    .requiredOption('--reason <text>', 'why (kept in the audit trail)')
    .action(async (requestId: string, options: { reason: string }, command: Command) => {
      await cli.run(command, async (client) => {
        const { terminated } = await client.cancel(requestId, options.reason);
        cli.io.stdout(terminated ? 'terminated (its workflow task was failing)\n' : 'cancellation sent\n');
      });
    });
}
