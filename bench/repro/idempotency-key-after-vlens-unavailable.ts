// Reproduction: an OTP submission that failed because Vlens did not answer (503 vlens_unavailable, with
// Retry-After: 5) can never succeed when retried with the same Idempotency-Key, even after Vlens is back:
// the key becomes the Temporal update id, and Temporal answers a repeated update id with the first
// outcome. Only a new key works.
//
//   npx tsx bench/repro/idempotency-key-after-vlens-unavailable.ts      (about 70 s: the update's Vlens budget is 60 s)
import os from 'node:os';
import path from 'node:path';
import { httpJson } from '../lib/http';
import { LocalStack } from '../lib/stack';

async function main(): Promise<void> {
  LocalStack.exitOnSignals();
  const stack = await LocalStack.start({ runDir: path.join(os.tmpdir(), 'vlens-repro', `idem-${Date.now()}`) });
  const auth = { authorization: 'Bearer dev-key' };
  const device = () => ({
    geoLocation: { latitude: 30.0444, longitude: 31.2357 },
    userDeviceUtcTime: new Date().toISOString(),
  });
  const otpRoute = (id: string) => `${stack.gatewayUrl}/v1/activations/${id}/otp`;
  try {
    const seeded = (await httpJson(`${stack.sandboxUrl}/sandbox/requests`, 'POST', {})).body;
    await httpJson(
      `${stack.gatewayUrl}/v1/activations`,
      'POST',
      {
        requestId: seeded.requestId,
        transactionId: seeded.transactionId,
        accessToken: seeded.accessToken,
        device: device(),
      },
      auth,
    );
    for (;;) {
      const status = await httpJson(`${stack.gatewayUrl}/v1/activations/${seeded.requestId}`, 'GET', undefined, auth);
      if (status.body?.state === 'awaiting_otp') break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const otp = (await httpJson(`${stack.sandboxUrl}/sandbox/requests/${seeded.requestId}/latest-otp`, 'GET')).body;
    const fault = (
      await httpJson(`${stack.sandboxUrl}/sandbox/faults`, 'POST', {
        path: '/api/BusinessRequest/CustomerSign/StepValidateOtp',
        status: 503,
      })
    ).body;
    const submit = (key: string) =>
      httpJson(
        otpRoute(seeded.requestId),
        'POST',
        { code: otp.code, device: device() },
        { ...auth, 'idempotency-key': key },
        120_000,
      );
    let t = Date.now();
    const first = await submit('key-1');
    console.log(
      `1. Vlens answers 503 to StepValidateOtp: HTTP ${first.status} ${first.body?.error?.code}, Retry-After ${first.headers.get('retry-after')} (${Date.now() - t} ms)`,
    );
    await httpJson(`${stack.sandboxUrl}/sandbox/faults/${fault.id}`, 'DELETE');
    t = Date.now();
    const again = await submit('key-1');
    console.log(
      `2. Vlens is back; the same Idempotency-Key: HTTP ${again.status} ${again.body?.error?.code ?? again.body?.outcome} (${Date.now() - t} ms)`,
    );
    const fresh = await submit('key-2');
    console.log(`3. a new Idempotency-Key: HTTP ${fresh.status} ${fresh.body?.error?.code ?? fresh.body?.outcome}`);
  } finally {
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
