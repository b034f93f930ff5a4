import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CodecConfigError } from '../../codec/errors';
import { DEV_KEY_FILE, loadCodecKeys, parseCodecKeys } from '../../codec/keys';
import { codecMode } from '../../codec/mode';
import { keySpec } from './helpers';

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'codec-keys-'));
const b64 = (n: number) => randomBytes(n).toString('base64');

describe('parseCodecKeys', () => {
  it('parses several keys; the first encrypts, all are found by id', () => {
    const keys = parseCodecKeys(` ${keySpec('k-2026.01')} , ${keySpec('old_1')} `);
    expect(keys.primary.id).toBe('k-2026.01');
    expect(keys.ids).toEqual(['k-2026.01', 'old_1']);
    expect(keys.get('old_1')?.id).toBe('old_1');
    expect(keys.get('nope')).toBeUndefined();
  });

  it.each([
    ['bad base64', `k1:${'*'.repeat(44)}`, /not valid base64/],
    ['wrong length', `k1:${b64(16)}`, /exactly 32 bytes.*got 16/],
    ['duplicate ids', `k1:${b64(32)},k1:${b64(32)}`, /duplicate key id "k1"/],
    ['missing colon', b64(32), /id:base64key/],
    ['bad id characters', `k/1:${b64(32)}`, /key id must match/],
    ['id too long', `${'a'.repeat(65)}:${b64(32)}`, /key id must match/],
    ['empty', ' , ', /empty/],
  ])('rejects %s with a CodecConfigError', (_name, spec, message) => {
    expect(() => parseCodecKeys(spec)).toThrow(CodecConfigError);
    expect(() => parseCodecKeys(spec)).toThrow(message);
  });

  it('never puts key material in an error message', () => {
    const material = b64(31);
    try {
      parseCodecKeys(`k1:${material}`);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain(material);
    }
  });
});

describe('codecMode', () => {
  it('is production with NODE_ENV=production or CODEC_REQUIRE_KEYS=true', () => {
    expect(codecMode({ NODE_ENV: 'production' })).toBe('production');
    expect(codecMode({ CODEC_REQUIRE_KEYS: 'true' })).toBe('production');
    expect(codecMode({ NODE_ENV: 'development' })).toBe('development');
    expect(codecMode({})).toBe('development');
  });
});

describe('loadCodecKeys', () => {
  it('uses CODEC_KEYS when set, in either mode', () => {
    const keys = loadCodecKeys({ CODEC_KEYS: keySpec('prod1'), NODE_ENV: 'production' }, { dataDir: tempDir() });
    expect(keys.primary.id).toBe('prod1');
  });

  it('fails at start-up in production without keys', () => {
    expect(() => loadCodecKeys({ NODE_ENV: 'production' }, { dataDir: tempDir() })).toThrow(CodecConfigError);
    expect(() => loadCodecKeys({ CODEC_REQUIRE_KEYS: 'true', CODEC_KEYS: ' ' }, { dataDir: tempDir() })).toThrow(
      /CODEC_KEYS is required/,
    );
  });

  it('fails on a malformed key set even in development', () => {
    expect(() => loadCodecKeys({ CODEC_KEYS: `k:${b64(8)}` }, { dataDir: tempDir(), mode: 'development' })).toThrow(
      CodecConfigError,
    );
  });

  it('generates a dev key once, persists it with mode 0600, and reuses it after a restart', () => {
    const dataDir = path.join(tempDir(), 'nested');
    const log = vi.fn();
    const first = loadCodecKeys({}, { dataDir, log });
    const file = path.join(dataDir, DEV_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(log).toHaveBeenCalledTimes(1);
    const keyText = readFileSync(file, 'utf8').trim().split(':')[1] ?? '';
    expect(keyText).toHaveLength(44);
    expect(String(log.mock.calls[0]?.[0])).not.toContain(keyText); // announces the file, never the key

    const second = loadCodecKeys({}, { dataDir, log });
    expect(log).toHaveBeenCalledTimes(1);
    expect(second.primary.id).toBe(first.primary.id);
    expect(second.primary.secret.export().equals(first.primary.secret.export())).toBe(true);
  });
});
