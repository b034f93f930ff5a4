// The contract as JSON Schema, for backends that call the workflow through another language's Temporal SDK
// (docs/other-languages.md). One file per message, generated from the zod schemas with zod's toJSONSchema:
// inputs from contract/request-schemas.ts (what the client library and the gateway accept), answers from
// contract/schemas.ts. `npm run contract:generate` writes contract/json-schema/v<CONTRACT_VERSION>/;
// test/contract/json-schema.test.ts fails when the committed files differ from a fresh generation.
import path from 'node:path';
import { z } from 'zod';
import {
  activationInputSchema,
  cancelSchema,
  extendDeadlineSchema,
  operatorActionSchema,
  paymentCompletedSchema,
  resendOtpSchema,
  submitLivenessSchema,
  submitOtpSchema,
} from './request-schemas';
import { DEFAULT_TASK_QUEUE, SEARCH_ATTRIBUTES, WORKFLOW_TYPE } from './types';
import { TENANT_SEARCH_ATTRIBUTE } from './search-attributes';
import {
  activationStatusSchema,
  submitLivenessResultSchema,
  submitOtpResultSchema,
  verifyPaymentResultSchema,
  waitForChangeInputSchema,
  withStatusResultSchema,
} from './schemas';
import { CONTRACT_VERSION } from './version';

export const SCHEMA_DIR = path.join(import.meta.dirname, 'json-schema', `v${CONTRACT_VERSION}`);

type Kind = 'workflow' | 'query' | 'update' | 'signal';

interface Message {
  kind: Kind;
  /** The name the SDK sends: the workflow type, or the query, update or signal name. */
  name: string;
  input?: z.ZodType;
  result?: z.ZodType;
  summary: string;
}

/** Every message of contract/messages.ts, and the workflow itself. */
export const MESSAGES: readonly Message[] = [
  {
    kind: 'workflow',
    name: WORKFLOW_TYPE,
    input: activationInputSchema,
    summary: 'Starts the activation of one business request (its only argument)',
  },
  { kind: 'query', name: 'status', result: activationStatusSchema, summary: 'The status object' },
  {
    kind: 'update',
    name: 'waitForChange',
    input: waitForChangeInputSchema,
    result: activationStatusSchema,
    summary: 'Long poll: the status once it changed, or as it is at the timeout',
  },
  {
    kind: 'update',
    name: 'submitOtp',
    input: submitOtpSchema,
    result: submitOtpResultSchema,
    summary: 'The OTP the user received',
  },
  {
    kind: 'update',
    name: 'submitLiveness',
    input: submitLivenessSchema,
    result: submitLivenessResultSchema,
    summary: 'The liveness selfie (and optionally three face frames): base64 or blob: references',
  },
  {
    kind: 'update',
    name: 'resendOtp',
    input: resendOtpSchema,
    result: withStatusResultSchema,
    summary: 'A new OTP (cooldown and send limit apply)',
  },
  {
    kind: 'update',
    name: 'operatorExtendDeadline',
    input: extendDeadlineSchema,
    result: withStatusResultSchema,
    summary: 'Operator repair: more time for the OTP or the payment step',
  },
  {
    kind: 'update',
    name: 'operatorForceNewOtp',
    input: operatorActionSchema,
    result: withStatusResultSchema,
    summary: 'Operator repair: a new OTP now, despite cooldown and send limit',
  },
  {
    kind: 'update',
    name: 'operatorVerifyPayment',
    input: operatorActionSchema,
    result: verifyPaymentResultSchema,
    summary: 'Operator repair: ask Vlens whether the payment went through',
  },
  {
    kind: 'update',
    name: 'operatorRetryStep',
    input: operatorActionSchema,
    result: withStatusResultSchema,
    summary: 'Operator repair: run the step an unrecognised Vlens answer held again',
  },
  {
    kind: 'update',
    name: 'operatorCancel',
    input: operatorActionSchema,
    result: withStatusResultSchema,
    summary: 'Operator repair: cancel and wait until the activation has ended',
  },
  { kind: 'signal', name: 'otpCode', input: submitOtpSchema, summary: 'submitOtp without an answer' },
  { kind: 'signal', name: 'livenessImage', input: submitLivenessSchema, summary: 'submitLiveness without an answer' },
  { kind: 'signal', name: 'resendOtpRequested', input: resendOtpSchema, summary: 'resendOtp without an answer' },
  {
    kind: 'signal',
    name: 'paymentCompleted',
    input: paymentCompletedSchema,
    summary: 'A payment notification: a hint; only Vlens confirms',
  },
  { kind: 'signal', name: 'cancel', input: cancelSchema, summary: 'Cancel the activation' },
];

/** `update.submitOtp.input.json`, `workflow.activation.input.json`, ... */
export const schemaFileName = (kind: Kind, name: string, part: 'input' | 'result') => `${kind}.${name}.${part}.json`;

const ID_BASE = `urn:vlens-activation:contract:v${CONTRACT_VERSION}:`;

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output', file: string, title: string, summary: string) {
  // Refinements (a date that parses, base64 that decodes, a duration Temporal reads) are not expressible and
  // are left out: the schema is what a message must look like; the workflow and the client check the rest.
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, $id: `${ID_BASE}${file}`, title, description: summary, ...rest };
}

/** Every schema file by name, plus `index.json` naming the workflow, its task queue and every message. */
export function contractSchemaFiles(): Record<string, unknown> {
  const files: Record<string, unknown> = {};
  const index = {
    contractVersion: CONTRACT_VERSION,
    workflowType: WORKFLOW_TYPE,
    workflowId: 'activation-<requestId, lowercase>',
    defaultTaskQueue: DEFAULT_TASK_QUEUE,
    startOptions: {
      // The start that creates the run writes the tenant: that is what makes the tenant the owner (docs/design.md).
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdReusePolicyAfterOwnFailedRun: 'ALLOW_DUPLICATE_FAILED_ONLY',
      whenAlreadyStarted: 'describe the run: yours only if its ActivationTenant is your tenant',
      searchAttributes: {
        [SEARCH_ATTRIBUTES.state]: 'Keyword: requesting_otp at start',
        [SEARCH_ATTRIBUTES.vlensRequestId]: 'Keyword: the requestId',
        [TENANT_SEARCH_ATTRIBUTE]: 'Keyword: the tenant (default: default)',
      },
    },
    payloads: 'json/plain, encrypted with the worker codec (CODEC_KEYS); see docs/other-languages.md',
    messages: [] as Record<string, string>[],
  };
  for (const message of MESSAGES) {
    const entry: Record<string, string> = { kind: message.kind, name: message.name, summary: message.summary };
    for (const [part, schema, io] of [
      ['input', message.input, 'input'],
      ['result', message.result, 'output'],
    ] as const) {
      if (!schema) continue;
      const file = schemaFileName(message.kind, message.name, part);
      files[file] = jsonSchemaOf(schema, io, file, `${message.kind} ${message.name}: ${part}`, message.summary);
      entry[part] = file;
    }
    index.messages.push(entry);
  }
  files['index.json'] = index;
  return files;
}

/** The text a file is committed with. */
export const schemaFileText = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
