// Encryption keys from env `CODEC_KEYS=id1:base64key,id2:base64key`. The first key encrypts; every
// key decrypts, so rotation is "prepend the new key, keep the old ones until nothing references them".
// In development (`npm start`) a missing key set is replaced by one persisted dev key, so restarts can
// still read the history they wrote; in production a missing or malformed set stops the process.
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CodecConfigError } from './errors';
import { codecMode, type CodecMode } from './mode';

export const KEY_BYTES = 32;
export const KEY_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const DEV_KEY_FILE = 'codec-dev-key';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface CodecKey {
  readonly id: string;
  /** A KeyObject rather than a Buffer: it prints as `SecretKeyObject {}`, so a stray log line cannot leak it. */
  readonly secret: KeyObject;
}

export interface CodecKeys {
  /** The key new data is encrypted with (the first in CODEC_KEYS). */
  readonly primary: CodecKey;
  /** Every configured key id, primary first. */
  readonly ids: readonly string[];
  get(id: string): CodecKey | undefined;
}

function keySet(list: readonly CodecKey[]): CodecKeys {
  const [primary] = list;
  if (!primary) throw new CodecConfigError('CODEC_KEYS holds no keys');
  const byId = new Map(list.map((k) => [k.id, k]));
  return { primary, ids: list.map((k) => k.id), get: (id) => byId.get(id) };
}

/**
 * Parses `id:base64key[,id:base64key...]`. Errors name the entry position and id but never the key.
 * Throws CodecConfigError.
 */
export function parseCodecKeys(spec: string, source = 'CODEC_KEYS'): CodecKeys {
  const entries = spec
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  if (entries.length === 0) throw new CodecConfigError(`${source} is empty: expected id:base64key[,id:base64key...]`);
  const seen = new Set<string>();
  const keys = entries.map((entry, i): CodecKey => {
    const where = `${source} entry ${i + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new CodecConfigError(`${where} is not of the form id:base64key`);
    const id = entry.slice(0, colon).trim();
    const material = entry.slice(colon + 1).trim();
    if (!KEY_ID_PATTERN.test(id)) {
      throw new CodecConfigError(`${where}: key id must match ${KEY_ID_PATTERN} (1-64 of A-Z a-z 0-9 _ . -)`);
    }
    if (seen.has(id)) throw new CodecConfigError(`${where}: duplicate key id "${id}"`);
    seen.add(id);
    if (material.length % 4 !== 0 || !BASE64.test(material)) {
      throw new CodecConfigError(`${where} (id "${id}"): key is not valid base64`);
    }
    const bytes = Buffer.from(material, 'base64');
    if (bytes.length !== KEY_BYTES) {
      throw new CodecConfigError(
        `${where} (id "${id}"): key must be exactly ${KEY_BYTES} bytes after base64 decoding, got ${bytes.length}` +
          ' (generate one with: openssl rand -base64 32)',
      );
    }
    const secret = createSecretKey(bytes);
    bytes.fill(0);
    return { id, secret };
  });
  return keySet(keys);
}

export interface LoadCodecKeysOptions {
  /** Where the development key lives (default `.data`). */
  dataDir?: string;
  /** Defaults to codecMode(env). */
  mode?: CodecMode;
  /** Where the one-time "dev key generated" notice goes (default console.warn). */
  log?: (message: string) => void;
}

/** Reads the key set once at start-up. Throws CodecConfigError in production when CODEC_KEYS is missing or bad. */
export function loadCodecKeys(env: NodeJS.ProcessEnv, options: LoadCodecKeysOptions = {}): CodecKeys {
  const mode = options.mode ?? codecMode(env);
  const spec = env.CODEC_KEYS?.trim();
  if (spec) return parseCodecKeys(spec);
  if (mode === 'production') {
    throw new CodecConfigError(
      'CODEC_KEYS is required in production (NODE_ENV=production or CODEC_REQUIRE_KEYS=true): ' +
        'set CODEC_KEYS=id:base64key with a 32-byte key, e.g. from `openssl rand -base64 32`',
    );
  }
  return loadOrCreateDevKey(options.dataDir ?? '.data', options.log ?? ((m) => console.warn(m)));
}

function loadOrCreateDevKey(dataDir: string, log: (message: string) => void): CodecKeys {
  const file = path.join(dataDir, DEV_KEY_FILE);
  const existing = readIfExists(file);
  if (existing !== undefined) return parseCodecKeys(existing, file);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // A random id suffix: if the file is ever lost, old payloads fail with "unknown key id", not a vague auth error.
  const spec = `dev-${randomBytes(4).toString('hex')}:${randomBytes(KEY_BYTES).toString('base64')}\n`;
  // Write a private temp file, then link it into place: link() is atomic and fails if the name exists,
  // so when worker and gateway start together exactly one key wins and nobody reads a half-written file.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, spec, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return parseCodecKeys(readFileSync(file, 'utf8'), file);
  } finally {
    unlinkSync(tmp);
  }
  log(
    `codec: no CODEC_KEYS set; generated a development encryption key in ${file} (mode 0600). ` +
      'Keep that file to read existing history; set CODEC_KEYS in production.',
  );
  return parseCodecKeys(spec, file);
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
