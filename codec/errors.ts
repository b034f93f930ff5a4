// Typed errors of the data-safety library, in one place so callers (worker, gateway, codec server)
// can map them with `instanceof` instead of matching messages.

/** Key or server configuration is missing or malformed; thrown at start-up so a bad deploy fails fast. */
export class CodecConfigError extends Error {
  override readonly name = 'CodecConfigError';
}

/** A payload could not be decoded (tampered, truncated, wrong key, unsupported format). */
export class CodecDecodeError extends Error {
  override readonly name: string = 'CodecDecodeError';
}

/**
 * The payload names a key id this process does not hold. Usually a rotation mistake: a key was
 * removed from CODEC_KEYS while history still references it. The message names the id (ids are not secret).
 */
export class UnknownKeyError extends CodecDecodeError {
  override readonly name = 'UnknownKeyError';
  constructor(
    readonly keyId: string,
    knownIds: readonly string[],
  ) {
    super(
      `Encryption key id "${keyId}" is not configured (known ids: ${knownIds.join(', ') || 'none'}); ` +
        'add it back to CODEC_KEYS (after the current key) to decrypt data written with it',
    );
  }
}
