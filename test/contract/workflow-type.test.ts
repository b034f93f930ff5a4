// Callers start the activation by the contract's name and signature (contract/types.ts: WORKFLOW_TYPE,
// ActivationWorkflow); the worker registers the workflow under its function's name. Those must be one name.
import { expect, test } from 'vitest';
import { WORKFLOW_TYPE } from '../../contract/types';
import * as workflows from '../../workflows';

test("the contract's workflow type is the name the worker registers the activation under", () => {
  expect(workflows.activation.name).toBe(WORKFLOW_TYPE);
  expect(Object.keys(workflows)).toContain(WORKFLOW_TYPE);
});
