// `watch <requestId>`: the status, then one line per change (the client's long poll, no polling loop here)
// until the activation ends.
import type { Command } from 'commander';
import { TERMINAL_STATES, type ActivationStatus } from '../../../contract/types';
import type { CliContext } from '../context';

export function addWatchCommand(program: Command, cli: CliContext): void {
  program
    .command('watch')
    .argument('<requestId>', 'the business request')
    .description(
      'print the status, then each change as it happens (a long poll, no polling loop), until the activation ends',
    )
    .option('--json', 'print each status as one JSON line')
    .action(async (requestId: string, options: { json?: boolean }, command: Command) => {
      const show = (status: ActivationStatus) =>
        cli.io.stdout(`${options.json ? JSON.stringify(status) : watchLine(status)}\n`);
      await cli.run(command, async (client) => {
        let status = await client.status(requestId);
        show(status);
        while (!TERMINAL_STATES.includes(status.state)) {
          const next = await client.waitForChange(requestId, { afterVersion: status.version, timeoutMs: 30_000 });
          if (next.version !== status.version) show(next);
          status = next;
        }
      });
    });
}

/** `<now>  v<version>  <state> (<failure reason>)  next: <action>` */
function watchLine(status: ActivationStatus): string {
  const failure = status.failureReason ? ` (${status.failureReason})` : '';
  return `${new Date().toISOString()}  v${status.version}  ${status.state}${failure}  next: ${status.nextAction.type}`;
}
