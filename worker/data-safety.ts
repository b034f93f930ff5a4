// The worker's data-safety parts, built once from env: the encryption codec keys (payloads are
// encrypted before they reach Temporal) and the claim-check image store the activities read selfies from
// (a local directory or an S3 bucket: codec/image-store-config.ts).
import path from 'node:path';
import {
  CodecConfigError,
  codecMode,
  createDataConverter,
  loadCodecKeys,
  loadImageStore,
  type CodecKeys,
  type ImageStore,
} from '../codec';
import type { DataConverter } from '@temporalio/common';
import { loadServerPolicy, maxLifeMs, ServerPolicyConfigError } from '../contract/server-policy';

export interface DataSafety {
  keys: CodecKeys;
  dataConverter: DataConverter;
  imageStore: ImageStore;
  /** Images older than this are orphans (their activation is past its overall deadline). */
  imageMaxAgeMs: number;
}

/** `namespace`: the worker's Temporal namespace, which its payloads are bound to (codec/encryption-codec.ts). */
export function loadDataSafety(env: NodeJS.ProcessEnv, namespace: string): DataSafety {
  const dataDir = path.resolve(env.DATA_DIR ?? '.data');
  const keys = loadCodecKeys(env, { dataDir, mode: codecMode(env) });
  return {
    keys,
    dataConverter: createDataConverter(keys, { namespace }),
    imageStore: loadImageStore(env, keys, dataDir),
    imageMaxAgeMs: imageMaxAgeMs(env),
  };
}

const HOUR_MS = 3_600_000;

/**
 * IMAGE_MAX_AGE_HOURS: how old an image must be before the orphan sweep deletes it. It must be a positive
 * number of hours and never shorter than the longest activation the server's policy allows (deadline plus
 * late-payment window, contract/server-policy.ts), or the sweep would delete selfies a live activation still
 * needs. Before issue 12 it was `Number(...)`: "" became 0 and "25h" NaN, and both swept every image.
 * Default: 25 h, or the longest activation when that is longer.
 */
export function imageMaxAgeMs(env: NodeJS.ProcessEnv): number {
  let longestMs: number;
  try {
    longestMs = maxLifeMs(loadServerPolicy(env).policy);
  } catch (error) {
    // Reported like the other data-safety settings (worker/main.ts prints config errors without a stack).
    if (error instanceof ServerPolicyConfigError) throw new CodecConfigError(error.message);
    throw error;
  }
  const raw = env.IMAGE_MAX_AGE_HOURS;
  if (raw === undefined) return Math.max(25 * HOUR_MS, longestMs);
  const hours = /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(hours) || hours <= 0) {
    throw new CodecConfigError(
      `IMAGE_MAX_AGE_HOURS must be a positive number of hours such as 25, got ${JSON.stringify(raw)}`,
    );
  }
  if (hours * HOUR_MS < longestMs) {
    throw new CodecConfigError(
      `IMAGE_MAX_AGE_HOURS (${hours}) is shorter than the longest possible activation (${+(longestMs / HOUR_MS).toFixed(2)} h: ` +
        'ACTIVATION_POLICY_DEADLINE plus ACTIVATION_POLICY_LATE_PAYMENT_WINDOW); the sweep would delete images of live activations',
    );
  }
  return hours * HOUR_MS;
}
