// The commander program: the global Temporal flags, then each command from its own module (commands/), in
// the order --help lists them. Every command's --help ends with the exit codes.
import { Command } from 'commander';
import { addCancelCommand } from './commands/cancel';
import { addListCommand } from './commands/list';
import { addLivenessCommand } from './commands/liveness';
import { addOpsCommands } from './commands/ops';
import { addOtpCommand } from './commands/otp';
import { addPayCommand } from './commands/pay';
import { addResendCommand } from './commands/resend';
import { addStartCommand } from './commands/start';
import { addStatusCommand } from './commands/status';
import { addWatchCommand } from './commands/watch';
import { cliContext, type CliIo, type RunWithClient } from './context';
import { EXIT_HELP } from './exit-codes';

const COMMANDS = [
  addStartCommand,
  addOtpCommand,
  addLivenessCommand,
  addResendCommand,
  addPayCommand,
  addCancelCommand,
  addStatusCommand,
  addWatchCommand,
  addListCommand,
];

export function buildProgram(io: CliIo, run: RunWithClient, env: NodeJS.ProcessEnv): Command {
  const program = new Command('vlens-activation');
  program
    .description('Start and drive Vlens contract activations running on Temporal.')
    .option('--address <host:port>', 'Temporal frontend address (default: TEMPORAL_ADDRESS or localhost:7233)')
    .option('--namespace <namespace>', 'Temporal namespace (default: TEMPORAL_NAMESPACE or default)')
    .option('--task-queue <name>', 'task queue for new activations (default: TEMPORAL_TASK_QUEUE or vlens-activation)')
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_HELP);

  const cli = cliContext(io, run, env);
  for (const addCommand of COMMANDS) addCommand(program, cli);
  const ops = addOpsCommands(program, cli);

  // Every command shows the exit codes in its own --help too (after its own help text, so added last).
  for (const command of [...program.commands, ...ops.commands]) command.addHelpText('after', EXIT_HELP);
  return program;
}
