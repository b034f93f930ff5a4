// What every `ops` command shares: --operator (default VLENS_OPERATOR, else the OS user), --reason,
// --idempotency-key and --json, and the audit fields and "by <operator>: <reason>" text built from them.
import os from 'node:os';
import { Option, type Command } from 'commander';
import type { CliContext } from '../../context';
import { jsonOption } from '../../options';

export interface OperatorOptions {
  operator?: string;
  reason: string;
  idempotencyKey?: string;
  json?: boolean;
}

/** The `ops` group and the operator name used when --operator is not given. */
export interface OpsContext extends CliContext {
  ops: Command;
  fallbackOperator: string | undefined;
}

/** The operator's name when --operator is not given: VLENS_OPERATOR, else the OS user. */
export function defaultOperator(env: NodeJS.ProcessEnv): string | undefined {
  if (env.VLENS_OPERATOR?.trim()) return env.VLENS_OPERATOR.trim();
  try {
    return os.userInfo().username || undefined;
  } catch {
    return undefined; // no passwd entry (some containers): --operator is then required
  }
}

/** Adds `ops <name> <requestId>` with the options every operator repair takes. */
export function operatorCommand(cli: OpsContext, name: string, description: string): Command {
  const command = cli.ops.command(name).argument('<requestId>', 'the business request').description(description);
  const operator = new Option('--operator <name>', 'who does this (kept in the audit trail)');
  if (cli.fallbackOperator) {
    operator.default(cli.fallbackOperator, `VLENS_OPERATOR or the OS user: ${cli.fallbackOperator}`);
  } else operator.makeOptionMandatory();
  return command
    .addOption(operator)
    .requiredOption('--reason <text>', 'why (kept in the audit trail)')
    .option(
      '--idempotency-key <key>',
      'retrying with the same key returns the first answer instead of repeating the repair',
    )
    .addOption(jsonOption());
}

/** The audit fields an operator update carries. */
export function auditFrom(cli: OpsContext, options: OperatorOptions): { operator: string; reason: string } {
  return { operator: options.operator ?? cli.fallbackOperator ?? '', reason: options.reason };
}

/** `by <operator>: <reason>`, echoed after each repair. */
export function byLine(cli: OpsContext, options: OperatorOptions): string {
  return `by ${auditFrom(cli, options).operator}: ${options.reason}`;
}
