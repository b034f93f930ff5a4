// Proves CI has a real Temporal server: the provisioned dev server answers, and the search attributes
// the workflow needs are registered on it.
import { Connection } from '@temporalio/client';
import { connectGuarded } from '../../client/retry-after-close-guard';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';

let connection: Connection;

beforeAll(async () => {
  connection = await connectGuarded({ address: inject('temporalAddress') });
});
afterAll(async () => {
  await connection?.close();
});

test('the dev server answers and has the activation search attributes', async () => {
  const info = await connection.workflowService.getSystemInfo({});
  expect(info.serverVersion).toMatch(/\d+\.\d+/);
  const attributes = await connection.operatorService.listSearchAttributes({ namespace: inject('temporalNamespace') });
  expect(Object.keys(attributes.customAttributes)).toEqual(
    expect.arrayContaining(['ActivationState', 'VlensRequestId']),
  );
});
