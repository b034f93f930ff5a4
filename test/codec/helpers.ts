// Shared fixtures for the codec tests: key specs with real random material.
import { randomBytes } from 'node:crypto';
import { parseCodecKeys, type CodecKeys } from '../../codec/keys';

/** `id:base64key` with a fresh 32-byte key. */
export const keySpec = (id: string): string => `${id}:${randomBytes(32).toString('base64')}`;

export const keysFrom = (...specs: string[]): CodecKeys => parseCodecKeys(specs.join(','));
