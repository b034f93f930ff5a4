// The exit codes scripts rely on, how a typed client error maps to one, and the help text that lists them
// (shown after the program's and every command's --help).
import {
  ActivationNotFound,
  AlreadyActivated,
  InvalidInput,
  InvalidState,
  ResendCooldown,
  SendsExhausted,
} from '../errors';

export const EXIT = { ok: 0, other: 1, usage: 2, notFound: 3, invalidState: 4, invalidInput: 5 } as const;

export const EXIT_HELP = `
Exit codes:
  0  success
  1  any other failure (Temporal or Vlens unavailable, unexpected error)
  2  usage error (unknown command or option, missing argument)
  3  no activation for that request
  4  not possible now: invalid state, resend cooldown, sends exhausted, already activated, activation ended
  5  invalid input (the message names each bad field)

Temporal connection: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
TEMPORAL_TLS_*, or a Temporal CLI config profile; task queue TEMPORAL_TASK_QUEUE (default vlens-activation).
VLENS_DEBUG=1 prints what Temporal answered when a command fails.`;

export function exitCodeFor(error: unknown): number {
  if (error instanceof ActivationNotFound) return EXIT.notFound;
  if (error instanceof InvalidInput) return EXIT.invalidInput;
  if (
    error instanceof InvalidState ||
    error instanceof ResendCooldown ||
    error instanceof SendsExhausted ||
    error instanceof AlreadyActivated
  ) {
    return EXIT.invalidState;
  }
  return EXIT.other;
}
