// Secrets never in plain history: what an operator with UI access sees is ciphertext, the codec
// server (with a token) shows the plain payloads, and keys rotate under a running activation.
// Every other scenario file gets the same leak scan from the harness when it closes.
import { Client } from '@temporalio/client';
import { connectGuarded } from '../../client/retry-after-close-guard';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { describe, expect, inject } from 'vitest';
import { METADATA_KEY_ID, parseCodecKeys, startCodecServer, type CodecServer } from '../../codec';
import { activation } from '../../workflows';
import { paymentCompletedSignal, submitOtpUpdate } from '../../contract/messages';
import { workflowIdFor } from '../../contract/types';
import { temporalTest } from './fixtures';
import { deviceAt, FIXTURE_CODEC_KEYS, testCodecKeys } from './harness';
import { findHistoryLeaks, findLeaks, historyPayloads } from './secret-guard';

const CODEC_TOKEN = 'test-codec-token-0123456789';

/** The codec server an operator's UI would use, with the key the harness encrypts with. */
const test = temporalTest.extend<{ codec: CodecServer }>({
  codec: [
    // eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from its destructuring
    async ({}, use) => {
      const codec = await startCodecServer({
        port: 0,
        keys: FIXTURE_CODEC_KEYS,
        tokens: [CODEC_TOKEN],
        corsOrigins: ['http://localhost:8233'],
      });
      await use(codec);
      await codec.close();
    },
    { scope: 'file' },
  ],
});

describe('data safety', () => {
  test('the scan finds a secret in a history written without the codec (so it can fail)', async ({ harness: h }) => {
    const seeded = await h.seed();
    const plainClient = new Client({ connection: await connectGuarded({ address: inject('temporalAddress') }) });
    const handle = await plainClient.workflow.start(activation, {
      taskQueue: 'nobody-polls-this-queue',
      workflowId: workflowIdFor(seeded.requestId),
      args: [{ requestId: seeded.requestId, device: deviceAt(), accessToken: seeded.accessToken }],
    });
    const history = historyToJSON(await handle.fetchHistory());
    expect(findHistoryLeaks(history, new Map([[seeded.accessToken, 'access token']]), 'plain history')).toHaveLength(1);
    await handle.terminate('test done');
    await plainClient.connection.close();
  });

  test('history holds ciphertext only; the codec server with a token decodes the OTP code and token', async ({
    harness: h,
    codec,
  }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded);
    await h.waitForState(handle, 'awaiting_otp');
    const { code } = await h.latestOtp(seeded.requestId);
    const accepted = await handle.executeUpdate(submitOtpUpdate, { args: [{ code, device: deviceAt() }] });
    await h.payThroughPage(accepted.status.nextAction.paymentLink!);
    await handle.signal(paymentCompletedSignal, { source: 'app', eventId: 'safety-1' });
    await handle.result();

    const historyJson = historyToJSON(await handle.fetchHistory());
    console.log(`happy-path history with encryption: ${Buffer.byteLength(historyJson)} bytes of JSON`);
    const secrets = new Map([
      [code, 'OTP code'],
      [seeded.accessToken, 'access token'],
    ]);
    expect(findHistoryLeaks(historyJson, secrets, 'history')).toEqual([]);

    const payloads = historyPayloads(historyJson);
    expect(payloads.length).toBeGreaterThan(5);
    const withoutToken = await fetch(`${codec.url}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default' },
      body: JSON.stringify({ payloads }),
    });
    expect(withoutToken.status).toBe(401);
    const decoded = await fetch(`${codec.url}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', authorization: `Bearer ${CODEC_TOKEN}` },
      body: JSON.stringify({ payloads }),
    });
    expect(decoded.status).toBe(200);
    const plain = JSON.stringify(await decoded.json());
    expect(findLeaks(plain, new Map([[code, 'OTP code']]), 'decoded')).toHaveLength(1);
    expect(findLeaks(plain, new Map([[seeded.accessToken, 'access token']]), 'decoded')).toHaveLength(1);
  });

  test('keys rotate under a running activation: old payloads still decrypt, new ones use the new key', async ({
    harness: h,
  }) => {
    const seeded = await h.seed();
    const handle = await h.start(seeded);
    await h.waitForState(handle, 'awaiting_otp');
    const oldKeyId = FIXTURE_CODEC_KEYS.primary.id;
    const rotated = parseCodecKeys(
      `${testCodecKeys('rotated-2').spec},${oldKeyId}:${Buffer.alloc(32, 7).toString('base64')}`,
    );
    await h.restartWorker(rotated);
    const rotatedHandle = h.client.workflow.getHandle(handle.workflowId);
    const { code } = await h.latestOtp(seeded.requestId);
    const accepted = await rotatedHandle.executeUpdate(submitOtpUpdate, { args: [{ code, device: deviceAt() }] });
    await h.payThroughPage(accepted.status.nextAction.paymentLink!);
    await rotatedHandle.signal(paymentCompletedSignal, { source: 'app', eventId: 'rotation-1' });
    expect((await rotatedHandle.result()).state).toBe('activated');

    const keyIds = new Set(
      historyPayloads(historyToJSON(await rotatedHandle.fetchHistory()))
        .map((p) => p.metadata[METADATA_KEY_ID])
        .filter(Boolean)
        .map((id) => Buffer.from(id!, 'base64').toString()),
    );
    expect(keyIds).toEqual(new Set([oldKeyId, 'rotated-2']));
    await h.restartWorker(FIXTURE_CODEC_KEYS);
  });
});
