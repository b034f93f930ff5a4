// Runs a real S3-compatible server (SeaweedFS: master, volume, filer and S3 gateway in one `weed server`
// process) on 127.0.0.1 and free ports, with its own data folder and one access key, for the S3 image
// store's tests. The process can be stopped, frozen and started again on the same ports and data, which
// is how the outage tests cut the store off in the middle of an upload.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from './local-stack';
import { resolveWeed } from './seaweedfs';

export interface WeedS3Server {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The env a process needs to use `bucket` on this server (codec/image-store-config.ts). */
  env(bucket: string, prefix?: string): Record<string, string>;
  /** A client for this server (path-style, the test credentials). */
  client(): S3Client;
  /** Creates a bucket and waits until an object can be written to it. */
  createBucket(bucket: string): Promise<void>;
  pid(): number | undefined;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: the sockets stay open but nothing answers. */
  freeze(): void;
  thaw(): void;
  /** Starts the server again on the same ports and data (after kill()). */
  restart(): Promise<void>;
  /** The last lines the server printed (for a failure message). */
  logTail(): string;
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;

export async function startWeedS3(options: { log?: (line: string) => void } = {}): Promise<WeedS3Server> {
  const weed = await resolveWeed(options.log);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'seaweedfs-'));
  const credentials = {
    accessKeyId: `test${randomBytes(8).toString('hex')}`,
    secretAccessKey: randomBytes(24).toString('base64url'),
  };
  const config = path.join(dir, 's3.json');
  writeFileSync(
    config,
    JSON.stringify({
      identities: [
        { name: 'tests', credentials: [{ ...toWeedKey(credentials) }], actions: ['Admin', 'Read', 'List', 'Write'] },
      ],
    }),
  );
  const ports = {
    master: await freePort(),
    masterGrpc: await freePort(),
    volume: await freePort(),
    volumeGrpc: await freePort(),
    filer: await freePort(),
    filerGrpc: await freePort(),
    s3: await freePort(),
    s3Grpc: await freePort(),
  };
  const args = [
    'server',
    '-ip=127.0.0.1',
    `-dir=${dir}`,
    `-master.port=${ports.master}`,
    `-master.port.grpc=${ports.masterGrpc}`,
    // Never reports anything to seaweedfs.com (the default would try on every start).
    '-master.telemetry=false',
    '-master.volumeSizeLimitMB=64',
    `-volume.port=${ports.volume}`,
    `-volume.port.grpc=${ports.volumeGrpc}`,
    '-volume.max=16',
    '-filer',
    `-filer.port=${ports.filer}`,
    `-filer.port.grpc=${ports.filerGrpc}`,
    '-s3',
    `-s3.port=${ports.s3}`,
    `-s3.port.grpc=${ports.s3Grpc}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-s3.config=${config}`,
  ];
  const endpoint = `http://127.0.0.1:${ports.s3}`;
  const region = 'us-east-1';
  let child: ChildProcess | undefined;
  let output = '';

  const launch = () => {
    const started = spawn(weed, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-8000));
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    child = started;
  };
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const exited = (proc: ChildProcess) =>
    proc.exitCode !== null || proc.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const client = () => new S3Client({ endpoint, region, forcePathStyle: true, credentials, maxAttempts: 1 });

  /** Up when a probe object can be written (the S3 port answers before the volume server takes writes). */
  async function waitUntilWritable(bucket: string): Promise<void> {
    const s3 = client();
    const until = Date.now() + READY_TIMEOUT_MS;
    let last: unknown;
    try {
      while (Date.now() < until) {
        if (!running()) throw new Error(`weed exited (${child?.exitCode ?? child?.signalCode}):\n${output}`);
        try {
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: '.probe', Body: 'ok' }));
          await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: '.probe' }));
          return;
        } catch (error) {
          last = error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    } finally {
      s3.destroy();
    }
    throw new Error(`SeaweedFS at ${endpoint} took no write within ${READY_TIMEOUT_MS} ms: ${String(last)}\n${output}`);
  }

  async function createBucket(bucket: string): Promise<void> {
    const s3 = client();
    const until = Date.now() + READY_TIMEOUT_MS;
    try {
      for (;;) {
        if (!running()) throw new Error(`weed exited (${child?.exitCode ?? child?.signalCode}):\n${output}`);
        try {
          await s3.send(new CreateBucketCommand({ Bucket: bucket }));
          break;
        } catch (error) {
          const name = (error as Error).name;
          if (name === 'BucketAlreadyOwnedByYou' || name === 'BucketAlreadyExists') break;
          if (Date.now() > until) throw new Error(`could not create bucket ${bucket}: ${String(error)}\n${output}`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    } finally {
      s3.destroy();
    }
    await waitUntilWritable(bucket);
  }

  launch();
  await createBucket('readiness');

  const server: WeedS3Server = {
    endpoint,
    region,
    credentials,
    env: (bucket, prefix) => ({
      IMAGE_STORE_S3_BUCKET: bucket,
      IMAGE_STORE_S3_ENDPOINT: endpoint,
      IMAGE_STORE_S3_REGION: region,
      IMAGE_STORE_S3_FORCE_PATH_STYLE: 'true',
      ...(prefix !== undefined ? { IMAGE_STORE_S3_PREFIX: prefix } : {}),
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    }),
    client,
    createBucket,
    pid: () => child?.pid,
    async kill() {
      if (!child) return;
      const proc = child;
      proc.kill('SIGKILL');
      await exited(proc);
    },
    freeze: () => void child?.kill('SIGSTOP'),
    thaw: () => void child?.kill('SIGCONT'),
    async restart() {
      if (running()) throw new Error('weed is still running');
      launch();
      await waitUntilWritable('readiness');
    },
    logTail: () => output,
    async close() {
      if (!child) return;
      const proc = child;
      proc.kill('SIGCONT');
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited(proc);
      clearTimeout(timer);
    },
  };
  return server;
}

const toWeedKey = (c: { accessKeyId: string; secretAccessKey: string }) => ({
  accessKey: c.accessKeyId,
  secretKey: c.secretAccessKey,
});
