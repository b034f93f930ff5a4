// Who may use the codec server (issue 12). Two kinds of bearer token:
// - static tokens (CODEC_SERVER_TOKENS) for the Temporal CLI (`--codec-auth`): both directions, every
//   namespace, compared in constant time (tokens.ts);
// - OIDC access tokens (JWTs), which is what the Temporal UI passes through when
//   TEMPORAL_CODEC_PASS_ACCESS_TOKEN=true: verified with `jose` against the identity provider's JWKS
//   (signature, expiry, issuer, audience), then a role claim decides what the token may do. Without this,
//   an operator logged in to the UI in production could not decode anything.
//
// Roles (claim CODEC_SERVER_JWT_ROLE_CLAIM, default `codec_roles`; a list, or a space/comma-separated
// string): `decode` / `encode` for every namespace, `<namespace>:decode` / `<namespace>:encode` for one.
// The namespace is the one in the path (`/{namespace}/decode`, how the UI's codec endpoint is configured
// per namespace), else the UI's `X-Namespace` header; with neither, only an unscoped role counts.
// Decoding shows secrets (OTP codes, tokens), so it is its own role: a UI user who may start workflows
// (encode) does not read payloads unless granted `decode`.
import { createRemoteJWKSet, customFetch, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { createOutboundDispatcher, loadOutboundPolicy } from './outbound-guard';
import { bearerTokenCheck } from './tokens';

export type CodecDirection = 'encode' | 'decode';
/** `ok`: every namespace; `ok-in-namespace`: a `<namespace>:<direction>` role, for the request's namespace only. */
export type CodecAuthVerdict = 'ok' | 'ok-in-namespace' | 'unauthenticated' | 'forbidden';

export interface JwtSettings {
  jwksUrl: string;
  /** Required in production: a token from the same identity provider for another app is refused. */
  issuer?: string;
  audience?: string;
  roleClaim: string;
  /** The JWT header's `typ` every token must carry (CODEC_SERVER_JWT_TYP, default at+jwt). */
  type: string;
}

export interface CodecAuthOptions {
  tokens: readonly string[];
  jwt?: JwtSettings;
  /** Tests pass a local key set; otherwise the JWKS is fetched (and cached) from `jwt.jwksUrl`. */
  keySet?: JWTVerifyGetKey;
  /**
   * Where the JWKS fetch may connect (outbound-guard.ts): the same rules as every configured URL,
   * production's public-only addresses unless OUTBOUND_ALLOWED_NETWORKS names the identity provider's.
   * Default: the policy of this process's env. jose follows no redirect.
   */
  outbound?: Dispatcher;
}

export type CodecAuthorizer = (
  authorization: string | undefined,
  direction: CodecDirection,
  namespace: string | undefined,
) => Promise<CodecAuthVerdict>;

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** Asymmetric algorithms only: an HS256 token would be checked with a public key as the HMAC secret. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

function rolesOf(claim: unknown): string[] {
  if (typeof claim === 'string') return claim.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(claim)) return claim.filter((role): role is string => typeof role === 'string');
  return [];
}

export function grants(roles: readonly string[], direction: CodecDirection, namespace: string | undefined): boolean {
  return roles.includes(direction) || (namespace !== undefined && roles.includes(`${namespace}:${direction}`));
}

function verdictFor(
  roles: readonly string[],
  direction: CodecDirection,
  namespace: string | undefined,
): CodecAuthVerdict {
  if (roles.includes(direction)) return 'ok';
  return grants(roles, direction, namespace) ? 'ok-in-namespace' : 'forbidden';
}

export function createCodecAuthorizer(options: CodecAuthOptions): CodecAuthorizer {
  const staticCheck = bearerTokenCheck(options.tokens);
  const jwt = options.jwt;
  const keySet = jwt ? (options.keySet ?? remoteKeySet(jwt.jwksUrl, options.outbound)) : undefined;
  return async (authorization, direction, namespace) => {
    if (options.tokens.length > 0 && staticCheck(authorization)) return 'ok';
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!jwt || !keySet || !token || !JWT_SHAPE.test(token)) return 'unauthenticated';
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        algorithms: ALGORITHMS,
        ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
        ...(jwt.audience ? { audience: jwt.audience } : {}),
        requiredClaims: ['exp'],
        // Without it an ID token (typ JWT) of the same issuer and audience would pass as an access token.
        typ: jwt.type,
      }));
    } catch {
      // Bad signature, expired, wrong issuer or audience, unknown key: all the same to the caller.
      return 'unauthenticated';
    }
    return verdictFor(rolesOf(payload[jwt.roleClaim]), direction, namespace);
  };
}

function remoteKeySet(jwksUrl: string, outbound: Dispatcher | undefined): JWTVerifyGetKey {
  const dispatcher = outbound ?? createOutboundDispatcher(loadOutboundPolicy());
  return createRemoteJWKSet(new URL(jwksUrl), {
    [customFetch]: async (url, init) =>
      (await undiciFetch(url, {
        method: init.method,
        redirect: init.redirect,
        signal: init.signal,
        headers: Object.fromEntries(init.headers.entries()),
        dispatcher,
      })) as unknown as Response,
  });
}
