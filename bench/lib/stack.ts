// The real local stack as separate processes, on free ports and in a private data folder: the Temporal
// dev server (SQLite file, so it survives a kill), the Vlens sandbox, the worker and the HTTP gateway.
// Every piece can be SIGKILLed and restarted on its own; that is what the chaos suite does. Children run
// as `node --import tsx <file>` (one process each), because the `tsx` launcher forks a second Node and a
// SIGKILL to the launcher would leave the real worker running.
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { bundleActivationWorkflows } from '../../worker/create-worker';
import {
  ROOT,
  dynamicConfigArgs,
  startDevServer,
  startProcess,
  stopProcess,
  waitForHttp,
  waitForTemporal,
  type ManagedProcess,
} from '../../scripts/local-stack';
import { imageProcessEnv } from '../../scripts/docker/runtime-env';
import { resolveTemporalCli } from '../../scripts/temporal-cli';

export type PieceName = 'temporal' | 'sandbox' | 'worker' | 'gateway';

export interface StackOptions {
  /** Everything the run writes: SQLite file, dedup record, images, one log file per piece. */
  runDir: string;
  /** Extra env for the worker (cache size, concurrency...). */
  workerEnv?: Record<string, string>;
  gatewayEnv?: Record<string, string>;
  sandboxEnv?: Record<string, string>;
  /** Which pieces to start; default all four. */
  pieces?: PieceName[];
  taskQueue?: string;
  log?: (line: string) => void;
  /**
   * SQLite pragmas for the dev server's file, e.g. { journal_mode: 'wal', synchronous: 'normal' }. Default:
   * SQLite's own (rollback journal, synchronous=FULL), which is what `npm start` runs with.
   */
  sqlitePragmas?: Record<string, string>;
  /** Extra `node` flags for the worker (e.g. --cpu-prof to profile it). */
  workerNodeArgs?: string[];
  /**
   * `temporal server start-dev --dynamic-config-value` settings, e.g. scripts/local-stack.ts's
   * DEV_SERVER_DYNAMIC_CONFIG. Default: none (the dev server's defaults; the chaos suite runs with those).
   */
  dynamicConfig?: Readonly<Record<string, unknown>>;
  /**
   * Which worker process runs. Default: worker/main.ts under tsx with a bundle of workflows/ made at boot.
   * `compiled`: `node dist/worker/main.js` with dist/workflow-bundle.js and the image's MALLOC_ARENA_MAX and
   * NODE_OPTIONS, as the Docker image runs it (needs `npm run build`). An object: another worker program
   * (the skeleton of bench/skeleton/) and its bundle.
   */
  worker?: 'tsx' | 'compiled' | { entry: string; bundle: () => Promise<{ code: string }> };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fresh 32-byte AES key in CODEC_KEYS form, shared by every process of one stack. */
export function generateCodecKeySpec(id = 'bench'): string {
  return `${id}-${randomBytes(3).toString('hex')}:${randomBytes(32).toString('base64')}`;
}

export class LocalStack {
  readonly procs = new Map<PieceName, ManagedProcess>();
  readonly ports = { temporal: 0, sandbox: 0, gateway: 0 };
  readonly codecKeys = generateCodecKeySpec();
  readonly taskQueue: string;
  /** Exits nobody asked for (a crash), per piece. */
  readonly unexpectedExits: Array<{ piece: PieceName; code: number | null; signal: string | null; at: string }> = [];
  private readonly logs = new Map<PieceName, WriteStream>();
  private readonly expectedExit = new Set<ManagedProcess>();
  private cliPath = '';
  private bundlePath = '';
  private readonly log: (line: string) => void;

  private constructor(readonly options: StackOptions) {
    this.taskQueue = options.taskQueue ?? 'vlens-activation';
    this.log = options.log ?? ((line) => console.log(line));
  }

  /** The workflow bundle file the worker loads (the compiled worker's is the one `npm run build` wrote). */
  get workflowBundlePath(): string {
    return this.bundlePath || path.join(ROOT, 'dist/workflow-bundle.js');
  }

  get temporalAddress(): string {
    return `127.0.0.1:${this.ports.temporal}`;
  }
  get sandboxUrl(): string {
    return `http://127.0.0.1:${this.ports.sandbox}`;
  }
  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.ports.gateway}`;
  }
  get dataDir(): string {
    return path.join(this.options.runDir, 'data');
  }

  static async start(options: StackOptions): Promise<LocalStack> {
    const stack = new LocalStack(options);
    // Whatever way this process ends, no child may outlive it (a stray dev server would hold its port).
    const killChildren = () => {
      for (const proc of stack.procs.values())
        if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    };
    process.on('exit', killChildren);
    try {
      await stack.boot();
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  /** For CLIs: Ctrl-C or SIGTERM stops the children, then exits. */
  static exitOnSignals(): void {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  }

  private async boot(): Promise<void> {
    mkdirSync(this.dataDir, { recursive: true });
    mkdirSync(path.join(this.options.runDir, 'logs'), { recursive: true });
    const cli = await resolveTemporalCli(this.log);
    this.cliPath = cli.path;
    this.ports.temporal = await freePort();
    this.ports.sandbox = await freePort();
    this.ports.gateway = await freePort();
    // Bundle the workflow code once: restarted workers then start in a second or two instead of bundling again.
    // A compiled worker loads the bundle `npm run build` wrote beside it.
    const worker = this.options.worker ?? 'tsx';
    if (worker !== 'compiled') {
      const bundle = worker === 'tsx' ? await bundleActivationWorkflows() : await worker.bundle();
      this.bundlePath = path.join(this.options.runDir, 'workflow-bundle.js');
      writeFileSync(this.bundlePath, bundle.code);
    } else if (
      !existsSync(path.join(ROOT, 'dist/worker/main.js')) ||
      !existsSync(path.join(ROOT, 'dist/workflow-bundle.js'))
    ) {
      throw new Error(
        'a compiled worker needs dist/worker/main.js and dist/workflow-bundle.js: run `npm run build` first',
      );
    }
    const pieces = this.options.pieces ?? ['temporal', 'sandbox', 'worker', 'gateway'];
    for (const piece of ['temporal', 'sandbox', 'worker', 'gateway'] as PieceName[]) {
      if (pieces.includes(piece)) await this.startPiece(piece);
    }
  }

  private logStream(piece: PieceName): WriteStream {
    let stream = this.logs.get(piece);
    if (!stream) {
      stream = createWriteStream(path.join(this.options.runDir, 'logs', `${piece}.log`), { flags: 'a' });
      this.logs.set(piece, stream);
    }
    return stream;
  }

  private spawnNode(
    piece: PieceName,
    file: string,
    env: Record<string, string>,
    nodeArgs: string[] = [],
  ): ManagedProcess {
    const proc = startProcess(piece, process.execPath, [...nodeArgs, '--import', 'tsx', file], env, 'ignore');
    this.capture(piece, proc);
    return proc;
  }

  /** A file of dist/ under plain node, as the Docker image runs it (scripts/build.ts). */
  private spawnCompiled(
    piece: PieceName,
    file: string,
    env: Record<string, string>,
    nodeArgs: string[] = [],
  ): ManagedProcess {
    // The allocator and V8 settings the image gives the process (./Dockerfile), under the run's own env.
    const proc = startProcess(
      piece,
      process.execPath,
      [...nodeArgs, file],
      { ...imageProcessEnv(ROOT), ...env },
      'ignore',
    );
    this.capture(piece, proc);
    return proc;
  }

  private capture(piece: PieceName, proc: ManagedProcess): void {
    const stream = this.logStream(piece);
    stream.write(`---- ${new Date().toISOString()} start pid ${proc.child.pid}\n`);
    proc.child.stdout?.on('data', (chunk: Buffer) => stream.write(chunk));
    proc.child.stderr?.on('data', (chunk: Buffer) => stream.write(chunk));
    proc.child.on('exit', (code, signal) => {
      stream.write(`---- ${new Date().toISOString()} exit code ${code} signal ${signal}\n`);
      if (!this.expectedExit.has(proc)) {
        this.unexpectedExits.push({ piece, code, signal, at: new Date().toISOString() });
        this.log(
          `  !! ${piece} exited unexpectedly (code ${code}, signal ${signal}); see ${path.join(this.options.runDir, 'logs', `${piece}.log`)}`,
        );
      }
    });
  }

  private commonEnv(): Record<string, string> {
    return {
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      DATA_DIR: this.dataDir,
      CODEC_KEYS: this.codecKeys,
      NODE_ENV: 'development',
    };
  }

  /** Starts one piece and waits until it is ready to work. */
  async startPiece(piece: PieceName): Promise<void> {
    const existing = this.procs.get(piece);
    if (existing && existing.child.exitCode === null && existing.child.signalCode === null) {
      throw new Error(`${piece} is already running`);
    }
    switch (piece) {
      case 'temporal': {
        const proc = startDevServer({
          cliPath: this.cliPath,
          dataDir: this.dataDir,
          port: this.ports.temporal,
          uiPort: this.ports.temporal + 1000 < 65_000 ? this.ports.temporal + 1000 : this.ports.temporal - 1000,
          extraArgs: [
            '--headless',
            ...Object.entries(this.options.sqlitePragmas ?? {}).flatMap(([k, v]) => ['--sqlite-pragma', `${k}=${v}`]),
            ...dynamicConfigArgs(this.options.dynamicConfig ?? {}),
          ],
          output: 'ignore',
        });
        this.capture('temporal', proc);
        this.procs.set('temporal', proc);
        await waitForTemporal(this.temporalAddress, 120_000);
        return;
      }
      case 'sandbox': {
        // Webhooks only when a gateway runs to receive them (the benchmarks signal the workflow themselves).
        const withGateway = (this.options.pieces ?? ['gateway']).includes('gateway');
        const proc = this.spawnNode('sandbox', 'sandbox/main.ts', {
          SANDBOX_PORT: String(this.ports.sandbox),
          ...(withGateway
            ? {
                SANDBOX_WEBHOOK_URL: `${this.gatewayUrl}/v1/webhooks/{gateway}`,
                SANDBOX_VLENS_WEBHOOK_URL: `${this.gatewayUrl}/v1/webhooks/vlens`,
              }
            : {}),
          ...this.options.sandboxEnv,
        });
        this.procs.set('sandbox', proc);
        await waitForHttp(`${this.sandboxUrl}/sandbox/health`, 60_000);
        return;
      }
      case 'worker': {
        const worker = this.options.worker ?? 'tsx';
        const env = {
          ...this.commonEnv(),
          VLENS_BASE_URL: this.sandboxUrl,
          WORKER_SHUTDOWN_GRACE_SECONDS: '2',
          ...(worker === 'compiled' ? {} : { WORKFLOW_BUNDLE_PATH: this.bundlePath }),
          ...this.options.workerEnv,
        };
        const proc =
          worker === 'compiled'
            ? this.spawnCompiled('worker', 'dist/worker/main.js', env, this.options.workerNodeArgs)
            : this.spawnNode(
                'worker',
                worker === 'tsx' ? 'worker/main.ts' : worker.entry,
                env,
                this.options.workerNodeArgs,
              );
        this.procs.set('worker', proc);
        await waitForLine(proc, /worker polling task queue/, 120_000);
        return;
      }
      case 'gateway': {
        const proc = this.spawnNode('gateway', 'gateway/main.ts', {
          ...this.commonEnv(),
          GATEWAY_PORT: String(this.ports.gateway),
          GATEWAY_DATA_DIR: path.join(this.dataDir, 'gateway'),
          GATEWAY_LOG_LEVEL: 'warn',
          // Rate limiting is not what these runs measure.
          GATEWAY_OTP_RATE_PER_ACTIVATION: '100000',
          GATEWAY_RESEND_RATE_PER_ACTIVATION: '100000',
          GATEWAY_RATE_PER_API_KEY: '1000000',
          ...this.options.gatewayEnv,
        });
        this.procs.set('gateway', proc);
        await waitForHttp(`${this.gatewayUrl}/healthz`, 120_000);
        return;
      }
    }
  }

  pid(piece: PieceName): number | undefined {
    return this.procs.get(piece)?.child.pid;
  }

  isRunning(piece: PieceName): boolean {
    const proc = this.procs.get(piece);
    return Boolean(proc && proc.child.exitCode === null && proc.child.signalCode === null);
  }

  /** Kills one piece (SIGKILL by default: no graceful shutdown, in-flight work is lost) and waits for it to be gone. */
  async kill(piece: PieceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = this.procs.get(piece);
    if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    this.expectedExit.add(proc);
    proc.child.kill(signal);
    await proc.exited;
  }

  /** Restarts a piece that crashed on its own (counted in unexpectedExits). */
  async reviveCrashed(): Promise<PieceName[]> {
    const revived: PieceName[] = [];
    for (const piece of this.procs.keys()) {
      if (!this.isRunning(piece)) {
        await this.startPiece(piece);
        revived.push(piece);
      }
    }
    return revived;
  }

  async stop(): Promise<void> {
    for (const piece of ['gateway', 'worker', 'sandbox', 'temporal'] as PieceName[]) {
      const proc = this.procs.get(piece);
      if (!proc) continue;
      this.expectedExit.add(proc);
      await stopProcess(proc, 5_000);
    }
    for (const stream of this.logs.values()) stream.end();
  }
}

/** Resolves when a line matching `pattern` appears on the child's output; rejects if it exits first. */
function waitForLine(proc: ManagedProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-8_000);
      if (pattern.test(seen)) finish();
    };
    const onExit = (code: number | null) =>
      finish(new Error(`${proc.name} exited (code ${code}) before it was ready: ${seen.slice(-2_000)}`));
    const timer = setTimeout(
      () => finish(new Error(`${proc.name} not ready after ${timeoutMs / 1000}s: ${seen.slice(-2_000)}`)),
      timeoutMs,
    );
    function finish(error?: Error) {
      clearTimeout(timer);
      proc.child.stdout?.off('data', onData);
      proc.child.stderr?.off('data', onData);
      proc.child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    }
    proc.child.stdout?.on('data', onData);
    proc.child.stderr?.on('data', onData);
    proc.child.on('exit', onExit);
  });
}

export { sleep };
