// `npm run demo` (with `npm start` running): seeds a business request in the sandbox and drives one
// activation to the end — OTP from the sandbox's SMS inbox, payment on its payment page — printing
// each step. Pass `--far` to start 180 km away and go through liveness re-validation first.
import { Client, Connection } from '@temporalio/client';
import { codecMode, createDataConverter, loadCodecKeys } from '../codec';
import { activation } from '../workflows';
import { paymentCompletedSignal, statusQuery, submitLivenessUpdate, submitOtpUpdate } from '../workflows/messages';
import { ActivationStateKey, VlensRequestIdKey } from '../workflows/search-attributes';
import { DEFAULT_TASK_QUEUE, workflowIdFor, type ActivationState, type DeviceContext } from '../workflows/types';

const env = process.env;
const sandboxUrl = env.VLENS_BASE_URL ?? 'http://127.0.0.1:4010';
const address = env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const taskQueue = env.TEMPORAL_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
const uiUrl = env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';
const far = process.argv.includes('--far');

const CAIRO = { latitude: 30.0444, longitude: 31.2357 };
const ALEXANDRIA = { latitude: 31.2001, longitude: 29.9187 };
const device = (): DeviceContext => ({ geoLocation: far ? ALEXANDRIA : CAIRO, userDeviceUtcTime: new Date().toISOString() });
const step = (n: number, text: string) => console.log(`${n}. ${text}`);

async function sandbox<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sandboxUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`sandbox ${method} ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function main(): Promise<void> {
  const connection = await Connection.connect({ address });
  // The same encryption key as the stack (./.data/codec-dev-key, or CODEC_KEYS).
  const keys = loadCodecKeys(env, { dataDir: env.DATA_DIR ?? '.data', mode: codecMode(env) });
  const client = new Client({ connection, dataConverter: createDataConverter(keys) });
  try {
    const seeded = await sandbox<{ requestId: string; transactionId: string; accessToken: string }>('POST', '/sandbox/requests', {
      lastLocation: CAIRO,
    });
    step(1, `seeded an approved business request ${seeded.requestId} in the sandbox`);

    const handle = await client.workflow.start(activation, {
      taskQueue,
      workflowId: workflowIdFor(seeded.requestId),
      args: [{ requestId: seeded.requestId, transactionId: seeded.transactionId, device: device(), accessToken: seeded.accessToken }],
      typedSearchAttributes: [
        { key: ActivationStateKey, value: 'requesting_otp' },
        { key: VlensRequestIdKey, value: seeded.requestId },
      ],
    });
    step(2, `started workflow ${handle.workflowId} (see ${uiUrl}/namespaces/default/workflows/${handle.workflowId})`);

    const waitFor = async (states: ActivationState[]) => {
      for (;;) {
        const status = await handle.query(statusQuery);
        if (states.includes(status.state)) return status;
        if (['failed', 'cancelled'].includes(status.state)) throw new Error(`activation ${status.state}: ${status.failureReason}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };

    let status = await waitFor(['awaiting_otp', 'awaiting_liveness']);
    if (status.state === 'awaiting_liveness') {
      step(3, 'Vlens says the device moved more than 80 km: sending selfies for liveness re-validation');
      const selfie = (n: number) => Buffer.from(`demo-selfie-${n}-${Date.now()}`).toString('base64');
      const answer = await handle.executeUpdate(submitLivenessUpdate, {
        args: [{ image: selfie(0), faces: [selfie(1), selfie(2), selfie(3)], device: device() }],
      });
      step(3, `liveness ${answer.outcome}`);
      status = await waitFor(['awaiting_otp']);
    }
    const otp = await sandbox<{ code: string }>('GET', `/sandbox/requests/${seeded.requestId}/latest-otp`);
    step(4, `an OTP arrived in the sandbox SMS inbox (expires ${status.nextAction.expiresAt}); submitting it`);
    const accepted = await handle.executeUpdate(submitOtpUpdate, { args: [{ code: otp.code, device: device() }] });
    step(5, `OTP ${accepted.outcome}; state ${accepted.status.state}`);

    const link = accepted.status.nextAction.paymentLink;
    if (link) {
      step(6, `paying on the sandbox payment page ${link}`);
      const paymentId = new URL(link).pathname.split('/').pop();
      await sandbox('POST', `/sandbox/payments/${paymentId}`, { outcome: 'paid' });
      await handle.signal(paymentCompletedSignal, { source: 'app', eventId: `demo-${Date.now()}` });
    }
    const final = await handle.result();
    step(7, `activation ${final.state}. Audit trail:`);
    for (const event of final.events) console.log(`   ${event.at}  ${event.type}${event.detail ? `  (${event.detail})` : ''}`);
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  console.error('Is the local stack running? Start it with `npm start` in another terminal.');
  process.exit(1);
});
