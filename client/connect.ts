// The single place where the client side (ActivationClient, CLI, gateway) creates its Temporal
// Connection and Client. Connection settings come from @temporalio/envconfig exactly as the Temporal
// CLI reads them (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, config-file
// profiles), so Temporal Cloud API keys and mTLS work without code. The data converter is threaded
// through here too: when the encryption codec lands, it is wired in `clientDataConverter` once and every
// client-side program gets it.
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { DEFAULT_TASK_QUEUE } from '../workflows/types';

export interface TemporalClientOptions {
  /** Overrides what env and config files say (tests pass the dev server's address). */
  address?: string;
  namespace?: string;
  /** Extra connection options (TLS, API key, metadata); merged over the env config. */
  connection?: Partial<ConnectionOptions>;
  dataConverter?: DataConverter;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface TemporalClientSettings {
  connection: ConnectionOptions;
  namespace: string;
  taskQueue: string;
}

/** Reads connection settings from env / the Temporal config file, with the local defaults of design §4a. */
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

/**
 * The data converter every client-side program uses. Today the SDK default (plain JSON); the payload
 * encryption codec of design §5 plugs in here.
 */
export function clientDataConverter(override?: DataConverter): DataConverter | undefined {
  return override;
}

export interface TemporalClientHandle {
  client: Client;
  connection: Connection;
  namespace: string;
  taskQueue: string;
  close(): Promise<void>;
}

/**
 * Creates a Client on a lazy Connection: nothing is dialled until the first call, so a gateway can
 * start (and answer `/healthz` with 503) while Temporal is still coming up.
 */
export function createTemporalClient(options: TemporalClientOptions = {}): TemporalClientHandle {
  const settings = loadTemporalClientSettings(options);
  const connection = Connection.lazy(settings.connection);
  const dataConverter = clientDataConverter(options.dataConverter);
  const client = new Client({ connection, namespace: settings.namespace, ...(dataConverter ? { dataConverter } : {}) });
  return {
    client,
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    close: () => connection.close(),
  };
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
