// client/retry-after-close-guard.ts: a call still inside the SDK's gRPC retry backoff when the connection
// closes must end quietly, never throw "Channel has been shut down" from its retry timer (an uncaught
// exception that ended test runs and, in production, a gateway shutting down).
import { createServer } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { createTemporalClient } from '../../client/connect';
import { createDataConverter, parseCodecKeys } from '../../codec';

const keys = parseCodecKeys(`retry-guard-1:${Buffer.alloc(32, 3).toString('base64')}`);
const uncaught: Error[] = [];
const record = (error: Error) => uncaught.push(error);
process.on('uncaughtExceptionMonitor', record);
afterEach(() => void uncaught.splice(0));

/** A loopback port with nothing listening: every dial is refused at once (UNAVAILABLE, retried). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

it('a call waiting on a retry when the connection closes ends without an uncaught exception', async () => {
  const handle = createTemporalClient({
    address: `127.0.0.1:${await deadPort()}`,
    env: {},
    dataConverter: createDataConverter(keys, { namespace: 'default' }),
    tracing: false,
  });
  const call = handle.client.workflowService.getSystemInfo({}).then(
    () => 'answered',
    (error: Error) => `failed: ${error.message}`,
  );
  // The first dials are refused within milliseconds; the retry timers (100 ms × 1.7^n) are then pending.
  await new Promise((resolve) => setTimeout(resolve, 400));
  await handle.close();
  // Long enough for every pending retry timer of the first attempts to fire.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  expect(uncaught.map((error) => error.message)).toEqual([]);
  expect(await call).toMatch(/^failed: /);
});
