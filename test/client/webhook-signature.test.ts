import { describe, expect, it } from 'vitest';
import { signWebhookPayload, verifyWebhook, WebhookSignatureError } from '../../contract/webhook-signature';

const body = JSON.stringify({ id: 'evt_1', type: 'activation.updated', data: { version: 3 } });
const secret = 'whsec_current_0123456789';
const previous = 'whsec_previous_0123456789';
const now = 1_796_000_000;

describe('webhook signatures (t=…,v1=…)', () => {
  it('verifies what it signed and returns the parsed body', () => {
    const header = signWebhookPayload(body, [secret], now);
    expect(header).toMatch(/^t=1796000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(body, header, [secret], { now })).toEqual(JSON.parse(body));
  });

  it('signs with both secrets during a rotation; a receiver holding either accepts', () => {
    const header = signWebhookPayload(body, [secret, previous], now);
    expect(header.split(',v1=')).toHaveLength(3);
    expect(() => verifyWebhook(body, header, [previous], { now })).not.toThrow();
    expect(() => verifyWebhook(body, header, [secret], { now })).not.toThrow();
  });

  it('refuses a tampered body, a wrong secret, a stale timestamp and a malformed header', () => {
    const header = signWebhookPayload(body, [secret], now);
    const tampered = body.replace('"version":3', '"version":4');
    expect(() => verifyWebhook(tampered, header, [secret], { now })).toThrow(/no v1 signature matches/);
    expect(() => verifyWebhook(body, header, ['whsec_other_0123456789'], { now })).toThrow(WebhookSignatureError);
    expect(() => verifyWebhook(body, header, [secret], { now: now + 301 })).toThrow(/tolerance/);
    expect(() => verifyWebhook(body, header.replace(/t=\d+/, `t=${now + 1}`), [secret], { now })).toThrow(
      /no v1 signature matches/,
    );
    expect(() => verifyWebhook(body, 'v1=abc', [secret], { now })).toThrow(/no valid t=/);
    expect(() => verifyWebhook(body, undefined, [secret], { now })).toThrow(/missing/);
  });
});
