// `list`: activations, newest first, optionally in one state.
import { Option, type Command } from 'commander';
import { ACTIVATION_STATES, type ActivationState } from '../../../contract/types';
import type { CliContext } from '../context';
import { jsonOption, numberIn } from '../options';
import { formatList } from '../status-format';

export function addListCommand(program: Command, cli: CliContext): void {
  program
    .command('list')
    .description('list activations, newest first')
    .addOption(new Option('--state <state>', 'only activations in this state').choices([...ACTIVATION_STATES]))
    .option('--limit <n>', 'at most this many', numberIn(1, 1000), 50)
    .addOption(jsonOption())
    .action(async (options: { state?: ActivationState; limit: number; json?: boolean }, command: Command) => {
      await cli.run(command, async (client) => {
        const rows = await client.list({ ...(options.state ? { state: options.state } : {}), limit: options.limit });
        cli.print(options, rows, formatList(rows));
      });
    });
}
