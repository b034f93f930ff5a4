// `npm run chaos` — the full chaos suite against the real local stack (separate processes on free ports,
// own Temporal dev server and SQLite file): 200 concurrent activations per scenario while the worker, the
// Temporal server or the gateway is SIGKILLed, and with Vlens faults. Prints a summary table, writes
// bench/results/chaos-<mode>.json, exits 1 on any breach of the pass criteria.
//
//   npm run chaos                          full run (4 scenarios x 200 activations, >= 10 kills each)
//   npm run chaos -- --short               the short version (20 activations, >= 3 kills), as in npm test
//   npm run chaos -- --scenarios=worker-kill,vlens-faults --activations=50 --min-kills=5 --seed=7
//   npm run chaos -- --strict              also fail on Vlens calls repeated because a killed worker lost
//                                          the attempt that made them (listed with evidence either way)
//   npm run chaos -- --prod                the replicated production topology (bench/chaos/prod-stack.ts):
//                                          the image's containers (two workers, two gateways behind HAProxy,
//                                          sandbox) on temporal-server + PostgreSQL, SeaweedFS S3 and Redis,
//                                          plus the postgres-, redis- and s3-restart scenarios; needs
//                                          DOCKER_HOST and the image: run it as `npm run chaos:prod [-- --short ...]`,
//                                          which starts the engine and builds the image first (scripts/docker/ci.sh --chaos)
//   npm run chaos -- --pace=0.8 --budget=300  starts per second and per-activation budget in seconds
//                                          (defaults: bench/chaos/runner.ts PACE)
//   npm run chaos -- --out=chaos-x.json    the results file's name under bench/results/ (default chaos[-prod]-<mode>.json)
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultRunDir, runChaos, SCENARIOS, type ScenarioName, type Topology } from './chaos/runner';
import { machineInfo } from './lib/machine';
import { LocalStack } from './lib/stack';

function flag(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

async function main(): Promise<void> {
  LocalStack.exitOnSignals();
  // A stray error from a client call abandoned while a piece was down must not lose the whole report.
  process.on('uncaughtException', (error) =>
    console.error(`(ignored) uncaught: ${error instanceof Error ? error.message : String(error)}`),
  );
  const mode = process.argv.includes('--short') ? 'short' : 'full';
  const topology: Topology = process.argv.includes('--prod') ? 'prod' : 'dev';
  const scenarios = flag('scenarios')?.split(',') as ScenarioName[] | undefined;
  const unknown = (scenarios ?? []).filter((s) => !SCENARIOS.includes(s));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}`);
  const runDir =
    flag('run-dir') ??
    defaultRunDir(path.join(os.tmpdir(), 'vlens-chaos'), topology === 'prod' ? `prod-${mode}` : mode);
  const started = Date.now();
  const resultsDir = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(
    resultsDir,
    flag('out') ?? (topology === 'prod' ? `chaos-prod-${mode}.json` : `chaos-${mode}.json`),
  );
  const write = (report: object) =>
    writeFileSync(
      file,
      `${JSON.stringify({ command: `npm run chaos -- ${process.argv.slice(2).join(' ')}`.trim(), ...(topology === 'prod' ? { image: imageFacts() } : {}), machine: machineInfo(), wallClockSeconds: Math.round((Date.now() - started) / 1000), ...report }, null, 2)}\n`,
    );
  const report = await runChaos({
    mode,
    topology,
    ...(scenarios ? { scenarios } : {}),
    runDir,
    ...(flag('activations') ? { activations: Number(flag('activations')) } : {}),
    ...(flag('min-kills') ? { minKills: Number(flag('min-kills')) } : {}),
    ...(flag('seed') ? { seed: Number(flag('seed')) } : {}),
    ...(flag('pace') ? { pace: Number(flag('pace')) } : {}),
    ...(flag('budget') ? { activationDeadlineMs: 1_000 * Number(flag('budget')) } : {}),
    // Written after every scenario too, so a run cut short keeps what it measured.
    onScenario: (partial) => write({ ...partial, ok: false, partial: true }),
    strict: process.argv.includes('--strict'),
  });
  write(report);
  console.log(`results: ${file}\nprocess logs: ${runDir}/logs`);
  process.exit(report.ok ? 0 : 1);
}

/** The image the production topology ran: tag, id and size (DOCKER_HOST is set by scripts/docker/ci.sh). */
function imageFacts(): Record<string, string | number> {
  const image = process.env.VLENS_IMAGE ?? 'vlens-activation:ci';
  const result = spawnSync(
    process.env.DOCKER_CLI ?? '/usr/bin/docker',
    ['image', 'inspect', '--format', '{{.Id}} {{.Size}}', image],
    { encoding: 'utf8' },
  );
  const [id, size] = (result.stdout ?? '').trim().split(' ');
  return { tag: image, id: id ?? '', sizeMB: Math.round(Number(size) / 1e6) };
}

main().catch((error: unknown) => {
  console.error(`chaos run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(2);
});
