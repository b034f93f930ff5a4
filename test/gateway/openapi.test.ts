// GET /openapi.json is a valid OpenAPI 3 document, /docs serves the browsable view, and real answers
// (a start, a status, a refusal) match the response schemas the document declares (gateway/openapi.ts).
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect } from 'vitest';
import { deviceAt } from '../temporal/harness';
import { gatewayTest, oncePerStack } from '../temporal/fixtures';
import { http, type GatewayStack } from './stack';

type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
};

/** The document the describe block's gateway serves, fetched once. */
const servedDoc = oncePerStack(async (s: GatewayStack) => {
  const answer = await http(`${s.gateway.url}/openapi.json`, 'GET');
  expect(answer.status).toBe(200);
  return answer.body as Doc;
});

const ajv = new Ajv2020({ strict: false, allErrors: true });

const test = gatewayTest.extend<{
  doc: Doc;
  /** Checks one real answer against the document's schema for this route and status. */
  expectMatches: (path: string, method: string, status: number, body: unknown) => void;
}>({
  doc: async ({ stack }, use) => use(await servedDoc(stack)),
  expectMatches: async ({ doc }, use) =>
    use((path, method, status, body) => {
      const schema = doc.paths[path]?.[method]?.responses[String(status)]?.content?.['application/json']?.schema;
      expect(schema, `${method.toUpperCase()} ${path} ${status} is documented`).toBeDefined();
      const validate = ajv.compile(schema as object);
      const valid = validate(body);
      expect(validate.errors ?? [], JSON.stringify(body)).toEqual([]);
      expect(valid).toBe(true);
    }),
});

describe('gateway OpenAPI document', () => {
  test('is a valid OpenAPI 3 document, without an API key, describing the routes', async ({ doc }) => {
    expect(doc.openapi).toMatch(/^3\./);
    const result = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/activations',
        '/v1/activations/{requestId}',
        '/v1/activations/{requestId}/otp',
        '/v1/webhooks/kashier',
        '/healthz',
      ]),
    );
    // The webhook's signature header is documented.
    expect(JSON.stringify(doc.paths['/v1/webhooks/kashier'])).toContain('x-kashier-signature');
  });

  test('/docs serves the browsable view; the document is read-only', async ({ stack: s }) => {
    const docs = await fetch(`${s.gateway.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
    const write = await http(`${s.gateway.url}/openapi.json`, 'POST', {});
    expect(write.status).toBe(404);
  });

  test('a start, a status and a refusal match the documented response schemas', async ({ stack: s, expectMatches }) => {
    const { seeded, answer: started } = await s.startActivation();
    expect(started.status).toBe(202);
    expectMatches('/v1/activations', 'post', 202, started.body);

    const status = await s.api('GET', `/v1/activations/${seeded.requestId}`);
    expect(status.status).toBe(200);
    expectMatches('/v1/activations/{requestId}', 'get', 200, status.body);

    // The refusal is the gateway's usual 422 invalid_request with field problems.
    const refused = await s.api('POST', `/v1/activations/${seeded.requestId}/otp`, { code: 'abc', device: deviceAt() });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('invalid_request');
    expect(refused.body.error.message).toBe('invalid OTP submission: code must be 4 to 8 digits');
    expect(refused.body.error.details).toEqual([{ field: 'code', message: 'must be 4 to 8 digits' }]);
    expectMatches('/v1/activations/{requestId}/otp', 'post', 422, refused.body);
  });
});
