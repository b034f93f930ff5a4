// API-key authentication: `Authorization: Bearer <key>`, keys from GATEWAY_API_KEYS. Keys are compared
// as SHA-256 digests with crypto.timingSafeEqual, and every configured key is always compared, so
// neither a key's length nor its position leaks through response timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { GatewayError } from './http-errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** A short, non-secret name of the API key that authenticated the request (for logs and limits). */
    apiKeyId?: string;
  }
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export interface ApiKeyChecker {
  /** The key's id when the header carries a configured key, else undefined. */
  identify(authorization: string | undefined): string | undefined;
}

export function createApiKeyChecker(apiKeys: readonly string[]): ApiKeyChecker {
  const known = apiKeys.map((key) => {
    const digest = sha256(key);
    return { digest, id: `key-${digest.subarray(0, 4).toString('hex')}` };
  });
  return {
    identify(authorization) {
      const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
      const given = sha256(match?.[1] ?? '');
      let found: string | undefined;
      for (const key of known) {
        if (timingSafeEqual(given, key.digest) && match) found ??= key.id;
      }
      return found;
    },
  };
}

/** onRequest hook for every authenticated route. */
export function requireApiKey(checker: ApiKeyChecker) {
  return async (request: FastifyRequest): Promise<void> => {
    const id = checker.identify(request.headers.authorization);
    if (!id) {
      throw new GatewayError(401, 'unauthorized', 'missing or invalid API key: send Authorization: Bearer <key>', {
        'www-authenticate': 'Bearer',
      });
    }
    request.apiKeyId = id;
  };
}
