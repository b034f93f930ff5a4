// The single place where the client side (ActivationClient, CLI, gateway) creates its Temporal
// Connection and Client. Connection settings come from @temporalio/envconfig exactly as the Temporal
// CLI reads them (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, config-file
// profiles), so Temporal Cloud API keys and mTLS work without code. Data safety (docs/design.md §5) is wired
// here too, the same way the worker does it: payloads encrypted with CODEC_KEYS (a development key in
// .data when unset), and liveness images put in the claim-check store so only `blob:` references
// reach Temporal.
import path from 'node:path';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { createRetryAfterCloseGuard } from './retry-after-close-guard';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { codecMode, createDataConverter, loadCodecKeys, loadImageStore, type ImageStore } from '../codec';
import { DEFAULT_TASK_QUEUE } from '../contract/types';
import { clientTracingEnabled, tracingClientInterceptors } from './tracing';

export interface TemporalClientOptions {
  /** Overrides what env and config files say (tests pass the dev server's address). */
  address?: string;
  namespace?: string;
  /** Extra connection options (TLS, API key, metadata); merged over the env config. */
  connection?: Partial<ConnectionOptions>;
  /** Overrides the converter built from CODEC_KEYS. */
  dataConverter?: DataConverter;
  /** Overrides the claim-check image store built from env. */
  imageStore?: ImageStore;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Trace every call (OpenTelemetry client interceptor). Default: on when this process started tracing
   * (telemetry/tracing.ts) or an OTLP endpoint is configured; off otherwise, so it costs nothing.
   */
  tracing?: boolean;
}

export interface TemporalClientSettings {
  connection: ConnectionOptions;
  namespace: string;
  taskQueue: string;
}

/** Reads connection settings from env / the Temporal config file, with the local defaults of docs/design.md §4a. */
export function loadTemporalClientSettings(options: TemporalClientOptions = {}): TemporalClientSettings {
  const env = options.env ?? process.env;
  const loaded = loadClientConnectConfig({ overrideEnvVars: definedOnly(env) });
  const { address, tls, apiKey, metadata } = loaded.connectionOptions;
  return {
    connection: {
      address: options.address ?? address ?? 'localhost:7233',
      ...(tls !== undefined ? { tls } : {}),
      ...(apiKey !== undefined ? { apiKey: apiKey as string } : {}),
      ...(metadata !== undefined ? { metadata } : {}),
      ...options.connection,
    },
    namespace: options.namespace ?? loaded.namespace ?? 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE,
  };
}

export interface ClientDataSafety {
  dataConverter: DataConverter;
  imageStore: ImageStore;
}

/**
 * The encryption codec and the image store, from the same env as the worker's (worker/data-safety.ts):
 * CODEC_KEYS, DATA_DIR (default .data), and IMAGE_STORE_DIR (default <DATA_DIR>/images) or the
 * IMAGE_STORE_S3_* settings (codec/image-store-config.ts). Both processes must see the same keys and the
 * same store: the same image folder on one machine, the same bucket and prefix across machines. Throws CodecConfigError in
 * production without CODEC_KEYS.
 */
export function loadClientDataSafety(env: NodeJS.ProcessEnv, namespace: string): ClientDataSafety {
  const dataDir = path.resolve(env.DATA_DIR ?? '.data');
  const keys = loadCodecKeys(env, { dataDir, mode: codecMode(env) });
  return {
    dataConverter: createDataConverter(keys, { namespace }),
    imageStore: loadImageStore(env, keys, dataDir),
  };
}

export interface TemporalClientHandle {
  client: Client;
  connection: Connection;
  namespace: string;
  taskQueue: string;
  /** Where liveness images go before an update carries their references. */
  imageStore: ImageStore;
  close(): Promise<void>;
}

/**
 * Creates a Client on a lazy Connection: nothing is dialled until the first call, so a gateway can
 * start (and answer `/healthz` with 503) while Temporal is still coming up.
 */
export function createTemporalClient(options: TemporalClientOptions = {}): TemporalClientHandle {
  const settings = loadTemporalClientSettings(options);
  // Loaded only for what the caller did not provide, so tests with their own keys touch no key file.
  let loaded: ClientDataSafety | undefined;
  const safety = () => (loaded ??= loadClientDataSafety(options.env ?? process.env, settings.namespace));
  const dataConverter = options.dataConverter ?? safety().dataConverter;
  const imageStore = options.imageStore ?? safety().imageStore;
  const retryGuard = createRetryAfterCloseGuard();
  const connection = Connection.lazy({ interceptors: retryGuard.interceptors, ...settings.connection });
  const tracing = options.tracing ?? clientTracingEnabled(options.env ?? process.env);
  const client = new Client({
    connection,
    namespace: settings.namespace,
    dataConverter,
    ...(tracing ? { interceptors: { workflow: tracingClientInterceptors() } } : {}),
  });
  return {
    client,
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    imageStore,
    close: () => {
      retryGuard.markClosed();
      return connection.close();
    },
  };
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
