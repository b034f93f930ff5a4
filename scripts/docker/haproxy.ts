// HAProxy (Debian's package; scripts/ensure-haproxy.sh installs it) in front of the topology's gateway
// replicas, run natively on 127.0.0.1 as an operator's load balancer would run on its own host: round robin,
// each gateway health-checked on /healthz (200 only while it reaches Temporal; gateway/routes/health.ts),
// a failed connection tried again on the other replica.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export interface LoadBalancer {
  url: string;
  /** The last lines HAProxy printed (for a failure message). */
  logTail(): string;
  close(): Promise<void>;
}

/** HAPROXY_PATH, else `haproxy` on PATH (/usr/sbin included), as scripts/ensure-haproxy.sh looks for it. */
function haproxyPath(): string {
  if (process.env.HAPROXY_PATH) return process.env.HAPROXY_PATH;
  try {
    return execFileSync('sh', ['-c', 'PATH="$PATH:/usr/sbin" command -v haproxy'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('haproxy is missing: install it with scripts/ensure-haproxy.sh (scripts/docker/ci.sh runs it)');
  }
}

/** The configuration: health checks every second, out after 2 failures, back after 1 success. */
export function haproxyConfig(port: number, backends: Array<{ name: string; port: number }>): string {
  return [
    'global',
    '  maxconn 2048',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    // Long polls wait up to 60 s and event streams send a comment at least that often (gateway/waiting.ts).
    '  timeout client 90s',
    '  timeout server 90s',
    '  timeout tunnel 1h',
    // A connection refused by a killed replica goes to the other one; a request it already received is not
    // replayed here (the client retries with its Idempotency-Key).
    '  retries 3',
    '  option redispatch',
    '  retry-on conn-failure',
    // The client's address for the per-source webhook limits; the gateways trust it from 127.0.0.1
    // (GATEWAY_TRUST_PROXY, docs/production.md).
    '  option forwardfor',
    'frontend gateways',
    `  bind 127.0.0.1:${port}`,
    '  default_backend gateways',
    'backend gateways',
    '  balance roundrobin',
    '  option httpchk GET /healthz',
    '  http-check expect status 200',
    '  default-server inter 1s fall 2 rise 1',
    ...backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check`),
    '',
  ].join('\n');
}

/** Starts HAProxy and waits until /healthz answers 200 through it. */
export async function startHaproxy(
  workDir: string,
  port: number,
  backends: Array<{ name: string; port: number }>,
): Promise<LoadBalancer> {
  const config = path.join(workDir, 'haproxy.cfg');
  writeFileSync(config, haproxyConfig(port, backends));
  const child: ChildProcess = spawn(haproxyPath(), ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-8000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited ${child.exitCode}:\n${output}`);
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`haproxy on ${url} did not reach a healthy gateway in 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    logTail: () => output,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
