// The worker's data-safety parts, built once from env: the encryption codec keys (payloads are
// encrypted before they reach Temporal) and the claim-check image store the activities read selfies from.
import path from 'node:path';
import { codecMode, createDataConverter, loadCodecKeys, LocalEncryptedImageStore, type CodecKeys } from '../codec';
import type { DataConverter } from '@temporalio/common';

export interface DataSafety {
  keys: CodecKeys;
  dataConverter: DataConverter;
  imageStore: LocalEncryptedImageStore;
  /** Images older than this are orphans (their activation is past its overall deadline). */
  imageMaxAgeMs: number;
}

export function loadDataSafety(env: NodeJS.ProcessEnv = process.env): DataSafety {
  const dataDir = path.resolve(env.DATA_DIR ?? '.data');
  const keys = loadCodecKeys(env, { dataDir, mode: codecMode(env) });
  return {
    keys,
    dataConverter: createDataConverter(keys),
    imageStore: new LocalEncryptedImageStore({ keys, dir: env.IMAGE_STORE_DIR ?? path.join(dataDir, 'images') }),
    imageMaxAgeMs: Number(env.IMAGE_MAX_AGE_HOURS ?? 25) * 3_600_000,
  };
}
