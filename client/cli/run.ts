// `vlens-activation`: the command-line face of ActivationClient, for operators and scripts. Parsing is
// commander's (program.ts, one module per command in commands/); every command maps typed errors to exit
// codes that scripts can rely on (exit-codes.ts). `runCli` takes its output streams and client factory as
// arguments, so tests run it in-process.
import { CommanderError, type Command } from 'commander';
import { ActivationClient, type ActivationClientOptions } from '../activation-client';
import { ActivationError, InvalidInput, ResendCooldown } from '../errors';
import type { CliIo, RunWithClient } from './context';
import { EXIT, exitCodeFor } from './exit-codes';
import { buildProgram } from './program';

export interface CliDeps {
  io?: CliIo;
  /** Builds the client for a command (tests inject one bound to their server). */
  createClient?: (options: ActivationClientOptions) => ActivationClient;
  env?: NodeJS.ProcessEnv;
}

/** Runs the CLI on `argv` (the user's arguments, without node and the script) and returns the exit code. */
export async function runCli(argv: string[], deps: CliDeps = {}): Promise<number> {
  const io: CliIo = deps.io ?? {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
  const env = deps.env ?? process.env;
  const program = buildProgram(io, clientRunner(env, deps.createClient), env);
  if (argv.length === 0) {
    io.stderr(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return reportFailure(error, io, env);
  }
}

/** Each command's client: built from the global flags (--address, --namespace, --task-queue), then closed. */
function clientRunner(
  env: NodeJS.ProcessEnv,
  createClient: CliDeps['createClient'] = (options) => new ActivationClient(options),
): RunWithClient {
  return async <T>(command: Command, action: (client: ActivationClient) => Promise<T>): Promise<void> => {
    const globals = command.optsWithGlobals<{ address?: string; namespace?: string; taskQueue?: string }>();
    const client = createClient({
      temporal: {
        env,
        ...(globals.address ? { address: globals.address } : {}),
        ...(globals.namespace ? { namespace: globals.namespace } : {}),
      },
      ...(globals.taskQueue ? { taskQueue: globals.taskQueue } : {}),
    });
    try {
      await action(client);
    } finally {
      await client.close();
    }
  };
}

/** Prints what went wrong (commander has already printed usage errors) and returns the exit code. */
function reportFailure(error: unknown, io: CliIo, env: NodeJS.ProcessEnv): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof ActivationError) {
    io.stderr(`error: ${error.code}: ${error.message}\n`);
    if (error instanceof InvalidInput)
      for (const p of error.problems) io.stderr(`  ${p.field || '(input)'}: ${p.message}\n`);
    if (error instanceof ResendCooldown) io.stderr(`  retry after ${error.resendAvailableAt}\n`);
    if (env.VLENS_DEBUG) io.stderr(`${describeCauses(error)}\n`);
    return exitCodeFor(error);
  }
  io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.other;
}

/** The chain of causes, for VLENS_DEBUG=1: what Temporal actually answered. */
function describeCauses(error: unknown): string {
  const lines: string[] = [];
  for (let cause: unknown = error; cause instanceof Error && lines.length < 6; cause = cause.cause) {
    lines.push(`  caused by ${cause.name}: ${cause.message}`);
  }
  return lines.slice(1).join('\n');
}
