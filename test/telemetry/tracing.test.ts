// Tracing switches on only with an OTLP endpoint, exports over OTLP/HTTP to it (a local receiver here),
// and only then do Temporal clients made by connect.ts carry the tracing interceptor.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { afterEach, describe, expect, test } from 'vitest';
import { createTemporalClient } from '../../client/connect';
import { createDataConverter, parseCodecKeys, type ImageStore } from '../../codec';
import { activeTracing, otlpTracesConfigured, otlpTracesUrl, startTracing } from '../../telemetry/tracing';

afterEach(async () => {
  await activeTracing()?.shutdown();
});

describe('tracing configuration', () => {
  test('an OTLP endpoint turns it on; OTEL_SDK_DISABLED turns it off', () => {
    expect(otlpTracesConfigured({})).toBe(false);
    expect(otlpTracesConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBe(false);
    expect(otlpTracesConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(otlpTracesConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(
      otlpTracesConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }),
    ).toBe(false);
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(
      otlpTracesUrl({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b/traces',
      }),
    ).toBe('http://b/traces');
  });

  test('without an endpoint nothing starts and clients carry no interceptor', () => {
    expect(startTracing({ serviceName: 'vlens-gateway', env: {} })).toBeUndefined();
    expect(activeTracing()).toBeUndefined();
    expect(clientInterceptors({})).toHaveLength(0);
    expect(clientInterceptors({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toHaveLength(1);
  });

  test('with an endpoint, spans are exported over OTLP/HTTP under the service name, flushed on shutdown', async () => {
    const received: Array<{ path: string; type: string; body: string }> = [];
    const receiver = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({
          path: request.url ?? '',
          type: String(request.headers['content-type']),
          body: Buffer.concat(chunks).toString('utf8'),
        });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      const tracing = startTracing({ serviceName: 'vlens-gateway', env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } });
      expect(tracing).toBeDefined();
      expect(activeTracing()).toBe(tracing);
      expect(startTracing({ serviceName: 'other', env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } })).toBe(tracing);
      expect(clientInterceptors({})).toHaveLength(1); // this process traces

      trace.getTracer('unit').startSpan('unit-span').end();
      await tracing!.shutdown();
      expect(activeTracing()).toBeUndefined();

      expect(received).toHaveLength(1);
      expect(received[0]!.path).toBe('/v1/traces');
      expect(received[0]!.type).toMatch(/application\/json/);
      expect(received[0]!.body).toContain('unit-span');
      expect(received[0]!.body).toContain('vlens-gateway');
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});

/** The workflow client interceptors of a client made by connect.ts under `env` (nothing is dialled). */
function clientInterceptors(env: NodeJS.ProcessEnv): unknown[] {
  const handle = createTemporalClient({
    env,
    dataConverter: createDataConverter(parseCodecKeys(`unit:${Buffer.alloc(32, 1).toString('base64')}`), {
      namespace: 'default',
    }),
    imageStore: {} as ImageStore,
  });
  const workflow = handle.client.options.interceptors.workflow;
  return Array.isArray(workflow) ? workflow : [];
}
