// Bearer-token checks for the codec server. Tokens are compared through SHA-256 digests with
// timingSafeEqual, against every configured token, so neither length nor position leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export type TokenCheck = (authorizationHeader: string | undefined) => boolean;

export function bearerTokenCheck(tokens: readonly string[]): TokenCheck {
  const expected = tokens.map(digest);
  return (header) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    const presented = digest(match?.[1] ?? '');
    let ok = false;
    for (const candidate of expected) ok = timingSafeEqual(candidate, presented) || ok;
    return ok && match !== null;
  };
}
