// The contract's JSON Schemas (issue 29 item 2): committed files equal a fresh generation, each is a valid
// draft 2020-12 schema that agrees with the zod schema it came from, every message the workflow defines has
// one, and the JSON in docs/other-languages.md's Go and Python examples follows them.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, test } from 'vitest';
import { contractSchemaFiles, MESSAGES, SCHEMA_DIR, schemaFileText } from '../../contract/json-schema';
import * as messages from '../../contract/messages';
import { MAX_WAIT_MS } from '../../contract/rules';

const ROOT = path.resolve(import.meta.dirname, '../..');
const generated = contractSchemaFiles();

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  for (const [name, schema] of Object.entries(generated)) if (name !== 'index.json') ajv.addSchema(schema as object);
  return (file: string, value: unknown) => {
    const validate = ajv.getSchema(`urn:vlens-activation:contract:v1:${file}`);
    if (!validate) throw new Error(`no schema ${file}`);
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
}

const device = { geoLocation: { latitude: 30.0444, longitude: 31.2357 }, userDeviceUtcTime: '2026-12-07T10:00:00Z' };
const requestId = '81f4c2a0-5b7e-4d1c-9a3f-2e6b8c0d4f17';

describe('contract/json-schema', () => {
  test('the committed files are what `npm run contract:generate` writes now', () => {
    const committed = readdirSync(SCHEMA_DIR).sort();
    expect(committed, 'run npm run contract:generate and commit the result').toEqual(Object.keys(generated).sort());
    for (const [name, value] of Object.entries(generated))
      expect(readFileSync(path.join(SCHEMA_DIR, name), 'utf8'), `${name} is stale: npm run contract:generate`).toBe(
        schemaFileText(value),
      );
  });

  test('every query, update and signal of contract/messages.ts has its schemas', () => {
    const defined = Object.values(messages)
      .map((definition) => `${definition.type}:${definition.name}`)
      .sort();
    const described = MESSAGES.filter((m) => m.kind !== 'workflow')
      .map((m) => `${m.kind}:${m.name}`)
      .sort();
    expect(described).toEqual(defined);
    for (const m of MESSAGES.filter((m) => m.kind === 'update')) expect(m.input && m.result, m.name).toBeTruthy();
  });

  test('the schemas accept what the contract accepts and refuse what it refuses', () => {
    const errors = validator();
    const start = { requestId, device, policy: { otpTtl: '5m', maxOtpSends: 3 } };
    expect(errors('workflow.activation.input.json', start)).toEqual([]);
    expect(errors('workflow.activation.input.json', { device })).not.toEqual([]);
    expect(errors('workflow.activation.input.json', { ...start, requestId: 'not-a-uuid' })).not.toEqual([]);
    expect(errors('workflow.activation.input.json', { ...start, smsProvider: 9 })).not.toEqual([]);
    expect(errors('update.submitOtp.input.json', { code: '123456', device })).toEqual([]);
    expect(errors('update.submitOtp.input.json', { code: '12ab', device })).not.toEqual([]);
    expect(errors('update.waitForChange.input.json', { afterVersion: 3, timeoutMs: MAX_WAIT_MS })).toEqual([]);
    expect(errors('update.waitForChange.input.json', { afterVersion: 3, timeoutMs: MAX_WAIT_MS + 1 })).not.toEqual([]);
    expect(errors('signal.paymentCompleted.input.json', { source: 'bank', eventId: 'e1' })).not.toEqual([]);
    const status = {
      requestId,
      workflowId: `activation-${requestId}`,
      state: 'awaiting_otp',
      needsAttention: false,
      version: 2,
      nextAction: { type: 'submit_otp', expiresAt: '2026-12-07T10:05:00Z', attemptsLeft: 5 },
      otp: {
        expiresAt: '2026-12-07T10:05:00Z',
        attemptsLeft: 5,
        sendsLeft: 4,
        resendAvailableAt: '2026-12-07T10:00:30Z',
      },
      events: [{ at: '2026-12-07T10:00:00Z', type: 'otp_sent' }],
    };
    expect(errors('query.status.result.json', status)).toEqual([]);
    expect(errors('update.submitOtp.result.json', { outcome: 'wrong_code', attemptsLeft: 4, status })).toEqual([]);
    expect(errors('query.status.result.json', { ...status, state: 'paused' })).not.toEqual([]);
    // Answers are described exactly: a field the contract does not name is a contract change.
    expect(errors('query.status.result.json', { ...status, secret: 'x' })).not.toEqual([]);
  });

  test("the JSON in docs/other-languages.md's Go and Python examples follows the schemas", () => {
    const errors = validator();
    const doc = readFileSync(path.join(ROOT, 'docs', 'other-languages.md'), 'utf8');
    const checked: string[] = [];
    for (const [, language = '', code = ''] of doc.matchAll(/```(\w+)\n([\s\S]*?)```/g)) {
      // `schema: <file>`, then on the next line the JSON between ` ` (Go) or ''' ''' (Python).
      for (const [, file = '', , json = ''] of code.matchAll(
        /schema: ([\w.]+\.json)\n[^\n]*?(`|''')(\{[\s\S]*?\})\2/g,
      )) {
        expect(errors(file, JSON.parse(json)), `${language} example for ${file}`).toEqual([]);
        checked.push(`${language}:${file}`);
      }
    }
    expect(checked).toEqual(
      expect.arrayContaining([
        'go:workflow.activation.input.json',
        'go:update.submitOtp.input.json',
        'python:workflow.activation.input.json',
        'python:update.submitOtp.input.json',
        'python:signal.paymentCompleted.input.json',
      ]),
    );
  });
});
