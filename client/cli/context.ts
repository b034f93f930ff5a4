// What every command module is given: the output streams, the environment, a way to run an action with a
// client built from the global flags (and closed afterwards), and the one way answers are printed.
import type { Command } from 'commander';
import type { ActivationClient } from '../activation-client';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Builds a client from the command's global flags, runs `action` with it, and closes it. */
export type RunWithClient = <T>(command: Command, action: (client: ActivationClient) => Promise<T>) => Promise<void>;

export interface CliContext {
  io: CliIo;
  env: NodeJS.ProcessEnv;
  run: RunWithClient;
  /** With --json the raw answer, pretty-printed; otherwise the human-readable text. */
  print(options: { json?: boolean }, value: unknown, human: string): void;
}

export function cliContext(io: CliIo, run: RunWithClient, env: NodeJS.ProcessEnv): CliContext {
  return {
    io,
    env,
    run,
    print: (options, value, human) => io.stdout(`${options.json ? JSON.stringify(value, null, 2) : human}\n`),
  };
}
