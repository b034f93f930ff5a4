// The CLI entry (`npm run sandbox`): prints its URL, serves, and exits 0 on SIGTERM / SIGINT; a bad
// environment fails start-up with exit code 1, naming the variable.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function runSandboxProcess(signal: NodeJS.Signals) {
  return new Promise<{ url: string; code: number | null; status: number }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/main.ts'], {
      env: {
        ...process.env,
        SANDBOX_PORT: '0',
        SANDBOX_WEBHOOK_URL: '',
        SANDBOX_VLENS_WEBHOOK_URL: '',
        SANDBOX_DIALECT: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let url = '';
    let status = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sandbox process did not start/stop in time: ${out}`));
    }, 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1] && !url) {
        url = match[1];
        fetch(`${url}/sandbox/health`)
          .then((r) => {
            status = r.status;
            child.kill(signal);
          })
          .catch((e: unknown) => {
            child.kill('SIGKILL');
            reject(e instanceof Error ? e : new Error(String(e)));
          });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ url, code, status });
    });
  });
}

describe('sandbox/main.ts', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('starts, prints its URL and stops cleanly on %s', async (signal) => {
    const { url, code, status } = await runSandboxProcess(signal);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(status).toBe(200);
    expect(code).toBe(0);
  });

  it('refuses to start with an unknown SANDBOX_DIALECT, naming the variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/main.ts'], {
      env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_DIALECT: 'theirs' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(out).toMatch(/SANDBOX_DIALECT/);
    expect(out).not.toMatch(/listening on/);
  });
});
