// `status <requestId>`: an activation's status, once.
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { jsonOption } from '../options';
import { formatStatus } from '../status-format';

export function addStatusCommand(program: Command, cli: CliContext): void {
  program
    .command('status')
    .argument('<requestId>', 'the business request')
    .description("show an activation's status")
    .addOption(jsonOption())
    .action(async (requestId: string, options: { json?: boolean }, command: Command) => {
      await cli.run(command, async (client) => {
        const status = await client.status(requestId);
        cli.print(options, status, formatStatus(status));
      });
    });
}
