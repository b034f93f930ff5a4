// GATEWAY_METRICS: on by default, api-key or off when asked, a typo fails start-up naming the variable.
import { expect, test } from 'vitest';
import { loadGatewayConfig } from '../../gateway/config';

test('GATEWAY_METRICS defaults to on and accepts on, off and api-key only', () => {
  expect(loadGatewayConfig({}).metrics).toBe('on');
  expect(loadGatewayConfig({ GATEWAY_METRICS: 'off' }).metrics).toBe('off');
  expect(loadGatewayConfig({ GATEWAY_METRICS: 'api-key' }).metrics).toBe('api-key');
  expect(() => loadGatewayConfig({ GATEWAY_METRICS: 'yes' })).toThrow(/GATEWAY_METRICS/);
});
