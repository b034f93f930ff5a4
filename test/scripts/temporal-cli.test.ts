// The Temporal CLI resolver's order (scripts/temporal-cli.ts) and the bounded probe that decides whether the
// SDK's download is worth trying (scripts/temporal-cli-download.ts), against real local files and a real
// local HTTP server; nothing here leaves 127.0.0.1.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findTemporalCli } from '../../scripts/temporal-cli';
import { downloadTemporalCli, probe, sdkCachedCliPath } from '../../scripts/temporal-cli-download';

const savedEnv = { ...process.env };
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'temporal-cli-'));
});
// Keys set and removed on the real process.env (a replaced object would not reach os.tmpdir(), which reads
// the process's environment itself).
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function executable(file: string): string {
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  return file;
}

describe('findTemporalCli', () => {
  it('takes TEMPORAL_CLI_PATH first and refuses one that is not executable', () => {
    process.env.TEMPORAL_CLI_PATH = executable(path.join(dir, 'named-temporal'));
    expect(findTemporalCli()).toEqual({ path: process.env.TEMPORAL_CLI_PATH, foundVia: 'TEMPORAL_CLI_PATH' });
    process.env.TEMPORAL_CLI_PATH = path.join(dir, 'nothing-here');
    expect(() => findTemporalCli()).toThrow(/is not an executable file/);
  });

  it("finds the SDK's cached download when there is no other binary", () => {
    const tmp = mkdtempSync(path.join(dir, 'tmp-'));
    delete process.env.TEMPORAL_CLI_PATH;
    process.env.PATH = '/nonexistent';
    process.env.GOBIN = mkdtempSync(path.join(dir, 'gobin-'));
    process.env.TMPDIR = tmp;
    expect(findTemporalCli()).toBeUndefined();
    // Never write into the real temp directory: other processes would take the stand-in for the CLI.
    expect(sdkCachedCliPath().startsWith(tmp)).toBe(true);
    executable(sdkCachedCliPath());
    expect(findTemporalCli()).toEqual({ path: sdkCachedCliPath(), foundVia: 'SDK download cache' });
  });
});

describe('the probe before the SDK download', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url?.startsWith('/ok')) response.end('{}');
      // /silent: accepts and never answers, as a network that drops packets.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('says yes when the server answers', async () => {
    expect(await probe(`${base}/ok`, 2_000)).toEqual({ ok: true });
  });

  it('gives up at its bound when nothing answers', async () => {
    expect(await probe(`${base}/silent`, 300)).toEqual({ ok: false, why: 'no answer within 0.3 s' });
  });

  it('says why when the connection is refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await probe(`http://127.0.0.1:${port}/`, 2_000)).toEqual({ ok: false, why: 'ECONNREFUSED' });
  });

  it('does not download when the probe fails, and not at all with TEMPORAL_CLI_DOWNLOAD=off', async () => {
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const root = process.cwd();
    expect(await downloadTemporalCli(log, root, { infoUrl: `${base}/silent`, probeTimeoutMs: 300 })).toEqual({
      ok: false,
      why: `${new URL(base).host} unreachable: no answer within 0.3 s`,
    });
    process.env.TEMPORAL_CLI_DOWNLOAD = 'off';
    expect(await downloadTemporalCli(log, root, { infoUrl: `${base}/ok` })).toEqual({
      ok: false,
      why: 'TEMPORAL_CLI_DOWNLOAD=off',
    });
  });
});
