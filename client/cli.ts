// `vlens-activation`: the command-line face of ActivationClient, for operators and scripts. Parsing is
// commander's; every command maps typed errors to exit codes that scripts can rely on (EXIT below).
// `runCli` takes its output streams and client factory as arguments, so tests run it in-process.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { IMAGE_REF, extensionMs } from '../workflows/rules';
import {
  ACTIVATION_STATES,
  PAYMENT_SOURCES,
  TERMINAL_STATES,
  type ActivationStatus,
  type DeviceContext,
} from '../workflows/types';
import { ActivationClient, type ActivationClientOptions } from './activation-client';
import { activationLinkFor } from './activation-link';
import {
  ActivationError,
  ActivationNotFound,
  AlreadyActivated,
  InvalidInput,
  InvalidState,
  ResendCooldown,
  SendsExhausted,
} from './errors';
import { otlpTracesConfigured, SERVICE_NAMES } from '../telemetry/state';
import { formatList, formatStatus } from './status-format';

export const EXIT = { ok: 0, other: 1, usage: 2, notFound: 3, invalidState: 4, invalidInput: 5 } as const;

const EXIT_HELP = `
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

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface CliDeps {
  io?: CliIo;
  /** Builds the client for a command (tests inject one bound to their server). */
  createClient?: (options: ActivationClientOptions) => ActivationClient;
  env?: NodeJS.ProcessEnv;
}

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

// ---- option parsers (a bad number is a usage error, exit 2) -------------------------------------

function numberIn(min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
      throw new InvalidArgumentError(`must be a number between ${min} and ${max}`);
    }
    return value;
  };
}

function jsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('must be a JSON object');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidArgumentError('must be a JSON object');
  return value as Record<string, unknown>;
}

interface DeviceOptions {
  lat: number;
  lon: number;
  deviceTime?: string;
  accessToken?: string;
}

/** --lat/--lon/--device-time/--access-token, shared by every command that speaks for the app. */
function withDevice(command: Command): Command {
  return command
    .requiredOption('--lat <latitude>', "the device's latitude", numberIn(-90, 90))
    .requiredOption('--lon <longitude>', "the device's longitude", numberIn(-180, 180))
    .option('--device-time <iso>', "the device's clock, ISO-8601 UTC (default: now)")
    .option('--access-token <token>', "the user's Vlens token (or env VLENS_ACCESS_TOKEN; the flag is visible in ps)");
}

function deviceFrom(options: DeviceOptions): DeviceContext {
  return {
    geoLocation: { latitude: options.lat, longitude: options.lon },
    userDeviceUtcTime: options.deviceTime ?? new Date().toISOString(),
  };
}

async function readImage(pathOrRef: string): Promise<string> {
  if (IMAGE_REF.test(pathOrRef)) return pathOrRef;
  try {
    return (await readFile(pathOrRef)).toString('base64');
  } catch (error) {
    throw new InvalidInput(`cannot read image ${pathOrRef}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, [
      { field: 'image', message: `cannot read ${pathOrRef}` },
    ]);
  }
}

async function readInputFile(file: string): Promise<Record<string, unknown>> {
  const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  try {
    return jsonObject(text);
  } catch {
    throw new InvalidInput(`${file} is not a JSON object`, [{ field: '', message: 'must be a JSON object' }]);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// ---- the program ----------------------------------------------------------------------------

export function buildProgram(
  io: CliIo,
  run: <T>(command: Command, action: (client: ActivationClient) => Promise<T>) => Promise<void>,
  env: NodeJS.ProcessEnv,
): Command {
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

  const json = () => new Option('--json', 'print the raw JSON answer');
  const print = (options: { json?: boolean }, value: unknown, human: string) =>
    io.stdout(`${options.json ? JSON.stringify(value, null, 2) : human}\n`);
  const token = (options: DeviceOptions) => options.accessToken ?? env.VLENS_ACCESS_TOKEN;

  withDevice(program.command('start').argument('<requestId>', 'the approved business request (UUID)'))
    .description('start (or join) the activation of a business request')
    .option('--input <file>', "JSON workflow input to start from ('-' = stdin); flags override it")
    .option('--transaction-id <uuid>', 'the KYC transaction id')
    .option('--contract-storage-id <uuid>', 'the contract storage id')
    .option('--payment-gateway <name>', 'e.g. kashier or fawry')
    .addOption(
      new Option('--sms-provider <n>', 'SMS provider: 1 Infobip, 2 Vodafone, 3 Cequens, 4 Victory Link').choices([
        '1',
        '2',
        '3',
        '4',
      ]),
    )
    .option('--policy <json>', 'policy overrides, e.g. \'{"otpTtl":"2m"}\'', jsonObject)
    .option(
      '--no-wait',
      'answer at once ("requesting_otp") instead of after the first Vlens step (OTP sent, or liveness needed)',
    )
    .addOption(json())
    .addHelpText(
      'after',
      '\nExample:\n  vlens-activation start 81f404b3-d7dc-4f08-b4fe-934853c86282 --lat 30.0444 --lon 31.2357',
    )
    .action(async (requestId: string, options, command: Command) => {
      const base = options.input ? await readInputFile(options.input) : {};
      const input = {
        ...base,
        requestId,
        device: deviceFrom(options),
        ...(options.transactionId ? { transactionId: options.transactionId } : {}),
        ...(options.contractStorageId ? { contractStorageId: options.contractStorageId } : {}),
        ...(options.paymentGateway ? { paymentGateway: options.paymentGateway } : {}),
        ...(options.smsProvider ? { smsProvider: Number(options.smsProvider) } : {}),
        ...(token(options) ? { accessToken: token(options) } : {}),
        ...(options.policy ? { policy: options.policy } : {}),
      };
      await run(command, async (client) => {
        // Waiting (at most 10 s) makes the answer say what to do next rather than "wait" (issue 16).
        const result = await client.start(input as never, options.wait ? { waitForFirstStep: true } : {});
        // The customer's link to the hosted activation page, when ACTIVATION_PAGE_BASE_URL is set.
        const link = activationLinkFor(env, requestId, result);
        print(
          options,
          link ? { ...result, activationUrl: link } : result,
          `${result.created ? 'Started' : 'Already running'}: ${result.status.workflowId}\n${formatStatus(result.status)}` +
            (link ? `\nActivation page for the customer: ${link}` : ''),
        );
      });
    });

  withDevice(
    program.command('otp').argument('<requestId>', 'the business request').argument('<code>', 'the OTP from the SMS'),
  )
    .description('submit the OTP the user received')
    .option(
      '--idempotency-key <key>',
      'retrying with the same key returns the first answer instead of using another attempt',
    )
    .addOption(json())
    .action(async (requestId: string, code: string, options, command: Command) => {
      await run(command, async (client) => {
        const answer = await client.submitOtp(
          requestId,
          { code, device: deviceFrom(options), ...(token(options) ? { accessToken: token(options) } : {}) },
          options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {},
        );
        print(
          options,
          answer,
          `OTP ${answer.outcome} (${answer.attemptsLeft} attempts left)\n${formatStatus(answer.status)}`,
        );
      });
    });

  withDevice(
    program
      .command('liveness')
      .argument('<requestId>', 'the business request')
      .argument('<image>', 'selfie image file (or a blob: reference)')
      .argument('[faces...]', 'optionally exactly three face frames (files or blob: references)'),
  )
    .description('submit liveness images for re-validation (files are read and sent as base64)')
    .option('--idempotency-key <key>', 'retrying with the same key returns the first answer')
    .addOption(json())
    .action(async (requestId: string, image: string, faces: string[], options, command: Command) => {
      if (faces.length !== 0 && faces.length !== 3)
        command.error('error: give no face frames or exactly three', { exitCode: EXIT.usage });
      const images = await Promise.all([image, ...faces].map(readImage));
      const [selfie, ...faceImages] = images;
      await run(command, async (client) => {
        const answer = await client.submitLiveness(
          requestId,
          {
            image: selfie ?? '',
            ...(faceImages.length === 3 ? { faces: faceImages as [string, string, string] } : {}),
            device: deviceFrom(options),
            ...(token(options) ? { accessToken: token(options) } : {}),
          },
          options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {},
        );
        print(
          options,
          answer,
          `liveness ${answer.outcome} (${answer.attemptsLeft} attempts left)\n${formatStatus(answer.status)}`,
        );
      });
    });

  withDevice(program.command('resend').argument('<requestId>', 'the business request'))
    .description('ask for a new OTP (refused during the cooldown and once all sends are used)')
    .option('--idempotency-key <key>', 'retrying with the same key does not send a second SMS')
    .addOption(json())
    .action(async (requestId: string, options, command: Command) => {
      await run(command, async (client) => {
        const answer = await client.resendOtp(
          requestId,
          { device: deviceFrom(options), ...(token(options) ? { accessToken: token(options) } : {}) },
          options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {},
        );
        print(options, answer.status, `new OTP requested\n${formatStatus(answer.status)}`);
      });
    });

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
    .action(async (requestId: string, options, command: Command) => {
      await run(command, async (client) => {
        await client.paymentCompleted(requestId, {
          source: options.source,
          eventId: options.eventId,
          ...(options.reference ? { reference: options.reference } : {}),
          ...(options.amount !== undefined ? { amount: options.amount } : {}),
          ...(options.currency ? { currency: options.currency } : {}),
          ...(options.paidAt ? { paidAt: options.paidAt } : {}),
        });
        io.stdout('payment notification sent\n');
      });
    });

  program
    .command('cancel')
    .argument('<requestId>', 'the business request')
    .description('cancel a running activation')
    .requiredOption('--reason <text>', 'why (kept in the audit trail)')
    .action(async (requestId: string, options, command: Command) => {
      await run(command, async (client) => {
        const { terminated } = await client.cancel(requestId, options.reason);
        io.stdout(terminated ? 'terminated (its workflow task was failing)\n' : 'cancellation sent\n');
      });
    });

  program
    .command('status')
    .argument('<requestId>', 'the business request')
    .description("show an activation's status")
    .addOption(json())
    .action(async (requestId: string, options, command: Command) => {
      await run(command, async (client) => {
        const status = await client.status(requestId);
        print(options, status, formatStatus(status));
      });
    });

  program
    .command('watch')
    .argument('<requestId>', 'the business request')
    .description(
      'print the status, then each change as it happens (a long poll, no polling loop), until the activation ends',
    )
    .option('--json', 'print each status as one JSON line')
    .action(async (requestId: string, options: { json?: boolean }, command: Command) => {
      const show = (status: ActivationStatus) =>
        io.stdout(
          `${options.json ? JSON.stringify(status) : `${new Date().toISOString()}  v${status.version}  ${status.state}${status.failureReason ? ` (${status.failureReason})` : ''}  next: ${status.nextAction.type}`}\n`,
        );
      await run(command, async (client) => {
        let status = await client.status(requestId);
        show(status);
        while (!TERMINAL_STATES.includes(status.state)) {
          const next = await client.waitForChange(requestId, { afterVersion: status.version, timeoutMs: 30_000 });
          if (next.version !== status.version) show(next);
          status = next;
        }
      });
    });

  program
    .command('list')
    .description('list activations, newest first')
    .addOption(new Option('--state <state>', 'only activations in this state').choices([...ACTIVATION_STATES]))
    .option('--limit <n>', 'at most this many', numberIn(1, 1000), 50)
    .addOption(json())
    .action(async (options, command: Command) => {
      await run(command, async (client) => {
        const rows = await client.list({ ...(options.state ? { state: options.state } : {}), limit: options.limit });
        print(options, rows, formatList(rows));
      });
    });

  const ops = addOperatorCommands(program, run, print, json, env);

  // Every command shows the exit codes in its own --help too.
  for (const command of [...program.commands, ...ops.commands]) command.addHelpText('after', EXIT_HELP);
  return program;
}

// ---- operator repairs -------------------------------------------------------------------------

/** The operator's name when --operator is not given: VLENS_OPERATOR, else the OS user. */
export function defaultOperator(env: NodeJS.ProcessEnv): string | undefined {
  if (env.VLENS_OPERATOR?.trim()) return env.VLENS_OPERATOR.trim();
  try {
    return os.userInfo().username || undefined;
  } catch {
    return undefined; // no passwd entry (some containers): --operator is then required
  }
}

/** `--by 30m`: a Temporal duration ('30m', '2h', '90 seconds') or milliseconds, positive, at most 7 days. */
function extension(text: string): string | number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : text.trim();
  if (extensionMs(value) === undefined) {
    throw new InvalidArgumentError('must be a positive duration of at most 7 days, such as 30m, 2h or 1800000 (ms)');
  }
  return value;
}

interface OperatorOptions {
  operator?: string;
  reason: string;
  idempotencyKey?: string;
  json?: boolean;
}

function addOperatorCommands(
  program: Command,
  run: <T>(command: Command, action: (client: ActivationClient) => Promise<T>) => Promise<void>,
  print: (options: { json?: boolean }, value: unknown, human: string) => void,
  json: () => Option,
  env: NodeJS.ProcessEnv,
): Command {
  const fallbackOperator = defaultOperator(env);
  const ops = program
    .command('ops')
    .description("operator repairs; each records who did it and why in the activation's events")
    .addHelpText(
      'after',
      '\nEvery ops command records --operator (default: VLENS_OPERATOR or your OS user name) and --reason.',
    );

  const operatorCommand = (name: string, description: string) => {
    const command = ops.command(name).argument('<requestId>', 'the business request').description(description);
    const operator = new Option('--operator <name>', 'who does this (kept in the audit trail)');
    if (fallbackOperator) operator.default(fallbackOperator, `VLENS_OPERATOR or the OS user: ${fallbackOperator}`);
    else operator.makeOptionMandatory();
    return command
      .addOption(operator)
      .requiredOption('--reason <text>', 'why (kept in the audit trail)')
      .option(
        '--idempotency-key <key>',
        'retrying with the same key returns the first answer instead of repeating the repair',
      )
      .addOption(json());
  };
  const action = (options: OperatorOptions): { operator: string; reason: string } => ({
    operator: options.operator ?? fallbackOperator ?? '',
    reason: options.reason,
  });
  const keyOf = (options: OperatorOptions) =>
    options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {};
  const by = (options: OperatorOptions) => `by ${action(options).operator}: ${options.reason}`;

  operatorCommand('extend-deadline', 'give the user more time for the OTP or the payment step')
    .addOption(
      new Option('--step <step>', 'the step whose deadline moves').choices(['otp', 'payment']).makeOptionMandatory(),
    )
    .requiredOption('--by <duration>', 'how much longer, e.g. 30m, 2h (at most 7 days)', extension)
    .addHelpText(
      'after',
      '\nExample:\n  vlens-activation ops extend-deadline 81f404b3-d7dc-4f08-b4fe-934853c86282 --step payment --by 30m --reason "bank outage"',
    )
    .action(
      async (
        requestId: string,
        options: OperatorOptions & { step: 'otp' | 'payment'; by: string | number },
        command: Command,
      ) => {
        await run(command, async (client) => {
          const { status } = await client.extendDeadline(
            requestId,
            { ...action(options), step: options.step, extendBy: options.by },
            keyOf(options),
          );
          print(
            options,
            status,
            `${options.step} deadline extended by ${options.by} (${by(options)})\n${formatStatus(status)}`,
          );
        });
      },
    );

  operatorCommand('new-otp', 'send the user a new OTP now, ignoring the resend cooldown and the send limit').action(
    async (requestId: string, options: OperatorOptions, command: Command) => {
      await run(command, async (client) => {
        const { status } = await client.forceNewOtp(requestId, action(options), keyOf(options));
        print(options, status, `new OTP sent (${by(options)})\n${formatStatus(status)}`);
      });
    },
  );

  operatorCommand('verify-payment', "ask Vlens whether the payment went through; only Vlens's answer activates").action(
    async (requestId: string, options: OperatorOptions, command: Command) => {
      await run(command, async (client) => {
        const answer = await client.verifyPayment(requestId, action(options), keyOf(options));
        const verdict = answer.activated ? 'Vlens confirmed the payment' : 'Vlens has not confirmed the payment';
        print(
          options,
          answer,
          `${verdict}; state ${answer.status.state} (${by(options)})\n${formatStatus(answer.status)}`,
        );
      });
    },
  );

  operatorCommand(
    'retry-step',
    'run again the step that an unreadable Vlens answer held (status "attention"); cancel is the other way out',
  ).action(async (requestId: string, options: OperatorOptions, command: Command) => {
    await run(command, async (client) => {
      const { status } = await client.retryStep(requestId, action(options), keyOf(options));
      print(options, status, `step released: state ${status.state} (${by(options)})\n${formatStatus(status)}`);
    });
  });

  operatorCommand(
    'cancel',
    "cancel a running activation on an operator's authority and wait until it has ended",
  ).action(async (requestId: string, options: OperatorOptions, command: Command) => {
    await run(command, async (client) => {
      const { status } = await client.operatorCancel(requestId, action(options), keyOf(options));
      print(options, status, `cancelled: state ${status.state} (${by(options)})\n${formatStatus(status)}`);
    });
  });
  return ops;
}

/** The chain of causes, for VLENS_DEBUG=1: what Temporal actually answered. */
function describeCauses(error: unknown): string {
  const lines: string[] = [];
  for (let cause: unknown = error; cause instanceof Error && lines.length < 6; cause = cause.cause) {
    lines.push(`  caused by ${cause.name}: ${cause.message}`);
  }
  return lines.slice(1).join('\n');
}

/** Runs the CLI on `argv` (the user's arguments, without node and the script) and returns the exit code. */
export async function runCli(argv: string[], deps: CliDeps = {}): Promise<number> {
  const io: CliIo = deps.io ?? {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
  const env = deps.env ?? process.env;
  const createClient = deps.createClient ?? ((options) => new ActivationClient(options));

  const run = async <T>(command: Command, action: (client: ActivationClient) => Promise<T>): Promise<void> => {
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

  const program = buildProgram(io, run, env);
  if (argv.length === 0) {
    io.stderr(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
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
}

/**
 * The `vlens-activation` process (cli-bin.mjs): runCli on the real streams and env, traced as `vlens-cli`
 * when an OTLP endpoint is configured (the SDK is loaded only then), with spans flushed before exit.
 */
export async function runCliProcess(argv: string[]): Promise<number> {
  const tracing = otlpTracesConfigured(process.env)
    ? (await import('../telemetry/tracing')).startTracing({ serviceName: SERVICE_NAMES.cli })
    : undefined;
  try {
    return await runCli(argv);
  } finally {
    await tracing?.shutdown().catch(() => undefined);
  }
}
