// Opaque bearer tokens: random strings the sandbox remembers with an expiry. Real Vlens issues JWTs, but
// clients must treat them as opaque anyway, and opaque tokens cannot be forged or decoded by accident.
import { randomBytes } from 'node:crypto';
import type { SandboxOptions } from './config';
import type { SandboxState, TokenRecord } from './state';

export interface IssuedTokens {
  accessToken: string;
  expireInSeconds: number;
  refreshToken: string;
  refreshTokenExpireInSeconds: number;
}

/** Who a token is for: a service (requestId null: any request), or an end user on one request. */
export type TokenHolder = Pick<TokenRecord, 'audience' | 'subject' | 'requestId'>;

const newToken = () => randomBytes(32).toString('base64url');

export function issueAccessToken(state: SandboxState, opts: SandboxOptions, holder: TokenHolder): string {
  const token = newToken();
  const { audience, subject, requestId } = holder;
  state.tokens.set(token, {
    kind: 'access',
    audience,
    subject,
    requestId,
    expiresAt: opts.now() + opts.tokenTtlSeconds * 1000,
  });
  return token;
}

export function issueTokenPair(state: SandboxState, opts: SandboxOptions, holder: TokenHolder): IssuedTokens {
  const refreshToken = newToken();
  const { audience, subject, requestId } = holder;
  state.tokens.set(refreshToken, {
    kind: 'refresh',
    audience,
    subject,
    requestId,
    expiresAt: opts.now() + opts.refreshTokenTtlSeconds * 1000,
  });
  return {
    accessToken: issueAccessToken(state, opts, holder),
    expireInSeconds: opts.tokenTtlSeconds,
    refreshToken,
    refreshTokenExpireInSeconds: opts.refreshTokenTtlSeconds,
  };
}

/** The live token record of the given kind, or null when unknown, of the other kind, or expired. */
export function findToken(
  state: SandboxState,
  opts: SandboxOptions,
  token: string,
  kind: TokenRecord['kind'],
): TokenRecord | null {
  const record = state.tokens.get(token);
  if (!record || record.kind !== kind) return null;
  if (opts.now() >= record.expiresAt) {
    state.tokens.delete(token);
    return null;
  }
  return record;
}
