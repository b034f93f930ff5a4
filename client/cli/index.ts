// The CLI's public face: what the bin (client/cli-bin.mjs, scripts/build.ts) and the tests use.
export { buildProgram } from './program';
export { defaultOperator } from './commands/ops/operator-command';
export type { CliIo } from './context';
export { EXIT, exitCodeFor } from './exit-codes';
export { runCliProcess } from './process';
export { runCli, type CliDeps } from './run';
