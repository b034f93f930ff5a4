// Which claim-check store a process uses, from env; the worker (worker/data-safety.ts) and the client
// side (client/connect.ts) both read it here, so they always agree.
// - IMAGE_STORE_S3_BUCKET set: the S3 store (s3-image-store.ts). Optional IMAGE_STORE_S3_PREFIX (default
//   `liveness-images/`), IMAGE_STORE_S3_ENDPOINT (an S3-compatible store's URL; AWS when unset),
//   IMAGE_STORE_S3_REGION (else AWS_REGION / the AWS config; `us-east-1` with an endpoint and no region),
//   IMAGE_STORE_S3_FORCE_PATH_STYLE (`true` for most S3-compatible stores). Credentials come from the
//   standard AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, instance roles).
// - Otherwise the local directory: IMAGE_STORE_DIR, default <DATA_DIR>/images (what `npm start` uses).
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CodecConfigError } from './errors';
import type { ImageStore } from './image-store';
import type { CodecKeys } from './keys';
import { LocalEncryptedImageStore } from './local-image-store';
import { S3ImageStore } from './s3-image-store';

export const DEFAULT_S3_PREFIX = 'liveness-images/';
// A stopped store must cost a caller seconds, not the SDK's unbounded socket wait.
const S3_CONNECT_TIMEOUT_MS = 2_000;
const S3_SOCKET_TIMEOUT_MS = 10_000;

export type ImageStoreSettings =
  | { kind: 'local'; dir: string }
  | { kind: 's3'; bucket: string; prefix: string; endpoint?: string; region?: string; forcePathStyle: boolean };

const nonEmpty = (value: string | undefined): string | undefined => (value?.trim() ? value.trim() : undefined);

/** Reads and checks the settings; throws CodecConfigError (reported without a stack, like the keys). */
export function imageStoreSettings(env: NodeJS.ProcessEnv, dataDir: string): ImageStoreSettings {
  const bucket = nonEmpty(env.IMAGE_STORE_S3_BUCKET);
  const s3Vars = Object.keys(env).filter((name) => name.startsWith('IMAGE_STORE_S3_') && nonEmpty(env[name]));
  if (!bucket) {
    if (s3Vars.length) {
      throw new CodecConfigError(`${s3Vars.join(', ')} set without IMAGE_STORE_S3_BUCKET; set the bucket too`);
    }
    return { kind: 'local', dir: nonEmpty(env.IMAGE_STORE_DIR) ?? path.join(dataDir, 'images') };
  }
  if (nonEmpty(env.IMAGE_STORE_DIR)) {
    throw new CodecConfigError('IMAGE_STORE_DIR and IMAGE_STORE_S3_BUCKET are both set; choose one image store');
  }
  // Bucket names: 3-63 lowercase letters, digits, dots and hyphens (AWS's rule, which the others follow).
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new CodecConfigError(`IMAGE_STORE_S3_BUCKET ${JSON.stringify(bucket)} is not a valid bucket name`);
  }
  const prefix = env.IMAGE_STORE_S3_PREFIX === undefined ? DEFAULT_S3_PREFIX : env.IMAGE_STORE_S3_PREFIX.trim();
  if (prefix.startsWith('/') || prefix.includes('//') || /[^A-Za-z0-9!_.*'()/-]/.test(prefix)) {
    throw new CodecConfigError(
      `IMAGE_STORE_S3_PREFIX ${JSON.stringify(prefix)} must be a relative key prefix of letters, digits and !_.*'()-/`,
    );
  }
  const endpoint = nonEmpty(env.IMAGE_STORE_S3_ENDPOINT);
  if (endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol)) {
      throw new CodecConfigError(`IMAGE_STORE_S3_ENDPOINT must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
    }
  }
  const pathStyle = nonEmpty(env.IMAGE_STORE_S3_FORCE_PATH_STYLE)?.toLowerCase();
  if (pathStyle !== undefined && !['true', 'false'].includes(pathStyle)) {
    throw new CodecConfigError(
      `IMAGE_STORE_S3_FORCE_PATH_STYLE must be true or false, got ${JSON.stringify(pathStyle)}`,
    );
  }
  const region =
    nonEmpty(env.IMAGE_STORE_S3_REGION) ?? (endpoint ? (nonEmpty(env.AWS_REGION) ?? 'us-east-1') : undefined);
  return {
    kind: 's3',
    bucket,
    prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    forcePathStyle: pathStyle === 'true',
  };
}

/** The image store the settings describe. */
export function createImageStore(settings: ImageStoreSettings, keys: CodecKeys): ImageStore {
  if (settings.kind === 'local') return new LocalEncryptedImageStore({ keys, dir: settings.dir });
  const client = new S3Client({
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.region ? { region: settings.region } : {}),
    forcePathStyle: settings.forcePathStyle,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: S3_CONNECT_TIMEOUT_MS,
      requestTimeout: S3_SOCKET_TIMEOUT_MS,
    }),
  });
  return new S3ImageStore({ keys, client, bucket: settings.bucket, prefix: settings.prefix });
}

export function loadImageStore(env: NodeJS.ProcessEnv, keys: CodecKeys, dataDir: string): ImageStore {
  return createImageStore(imageStoreSettings(env, dataDir), keys);
}
