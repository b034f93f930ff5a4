// Typed codec-server settings read once from env. Production refuses the insecure development
// defaults (default token, auth off) so a forgotten variable fails at start-up, not in an audit, and
// names everything that is missing at once. The development token is a fallback only for a development
// setup with the generated development key: once real keys are loaded (CODEC_KEYS), a server started
// without NODE_ENV must not decrypt them for anyone who read this file (issue 12).
import { CodecConfigError } from './errors';
import type { JwtSettings } from './codec-auth';
import { codecMode, type CodecMode } from './mode';

export const DEV_CODEC_TOKEN = 'dev-codec-token';
export const DEFAULT_CODEC_SERVER_PORT = 8888;
export const DEFAULT_CORS_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];
export const DEFAULT_JWT_ROLE_CLAIM = 'codec_roles';
/** RFC 9068's media type for OAuth access tokens: an ID token or another JWT of the same issuer is refused. */
export const DEFAULT_JWT_TYPE = 'at+jwt';
/** localhost, 127.0.0.0/8, [::1], 0.0.0.0 */
const LOCAL_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1?\]|0\.0\.0\.0)$/i;
/** Long enough that guessing is hopeless even without rate limiting. */
const MIN_PRODUCTION_TOKEN_CHARS = 16;

export interface CodecServerConfig {
  port: number;
  host: string;
  /** Static bearer tokens (the CLI); may be empty when only OIDC tokens are accepted. */
  tokens: string[];
  /** OIDC bearer tokens (the Temporal UI's pass-through login token), when CODEC_SERVER_JWKS_URL is set. */
  jwt?: JwtSettings;
  corsOrigins: string[];
  /** false only when CODEC_SERVER_AUTH=off in development (the local Temporal UI cannot send a bearer token). */
  requireAuth: boolean;
  /** TEMPORAL_NAMESPACE (default `default`): payloads of a request naming no namespace are bound to it. */
  namespace: string;
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

export function loadCodecServerConfig(env: NodeJS.ProcessEnv, mode: CodecMode = codecMode(env)): CodecServerConfig {
  const problems: string[] = [];
  const portText = env.CODEC_SERVER_PORT?.trim() || String(DEFAULT_CODEC_SERVER_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new CodecConfigError(`CODEC_SERVER_PORT must be a port number (1-65535), got "${portText}"`);
  }
  const host = env.CODEC_SERVER_HOST?.trim() || '127.0.0.1';

  const corsOrigins =
    env.CODEC_SERVER_CORS_ORIGINS === undefined ? DEFAULT_CORS_ORIGINS : list(env.CODEC_SERVER_CORS_ORIGINS);
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new CodecConfigError(`CODEC_SERVER_CORS_ORIGINS: "${origin}" is not an origin like http://host:port`);
    }
  }

  if (mode === 'production') {
    // The Temporal UI an operator runs on their own machine is no production origin; a page there could
    // ask the codec server to decrypt with the operator's credentials.
    const local = corsOrigins.filter((origin) => LOCAL_HOST.test(new URL(origin).hostname));
    if (local.length)
      problems.push(
        `CODEC_SERVER_CORS_ORIGINS: local origins are refused in production (${local.join(', ')}); name the Temporal UI's origin`,
      );
  }

  const auth = env.CODEC_SERVER_AUTH?.trim().toLowerCase() || 'on';
  if (auth !== 'on' && auth !== 'off')
    throw new CodecConfigError(`CODEC_SERVER_AUTH must be "on" or "off", got "${auth}"`);
  const realKeys = Boolean(env.CODEC_KEYS?.trim());
  if (auth === 'off' && mode === 'production') {
    problems.push('CODEC_SERVER_AUTH=off is refused in production: the codec server decrypts secrets');
  } else if (auth === 'off' && realKeys) {
    // Whatever NODE_ENV says: off is for the generated development key only (issue 27).
    problems.push('CODEC_SERVER_AUTH=off is refused with real CODEC_KEYS: anyone could decrypt them');
  }

  const jwt = loadJwtSettings(env, mode, problems);
  let tokens = list(env.CODEC_SERVER_TOKENS);
  if (tokens.some((t) => t === DEV_CODEC_TOKEN) && (mode === 'production' || realKeys)) {
    problems.push(
      `CODEC_SERVER_TOKENS: ${DEV_CODEC_TOKEN} is a public development token, refused ${mode === 'production' ? 'in production' : 'with real CODEC_KEYS'}`,
    );
  }
  if (mode === 'production') {
    if (tokens.length === 0 && !jwt) {
      problems.push(
        'CODEC_SERVER_TOKENS (static tokens for the CLI) or CODEC_SERVER_JWKS_URL (OIDC tokens from the Temporal UI) is required in production',
      );
    }
    if (tokens.some((t) => t !== DEV_CODEC_TOKEN && t.length < MIN_PRODUCTION_TOKEN_CHARS)) {
      problems.push(
        `CODEC_SERVER_TOKENS: every production token must be at least ${MIN_PRODUCTION_TOKEN_CHARS} characters and not the dev token`,
      );
    }
  } else if (tokens.length === 0 && !jwt && auth === 'on') {
    if (realKeys) {
      problems.push(
        'CODEC_SERVER_TOKENS or CODEC_SERVER_JWKS_URL is required when CODEC_KEYS is set: the development token ' +
          `(${DEV_CODEC_TOKEN}) is only a fallback for the generated development key`,
      );
    } else {
      tokens = [DEV_CODEC_TOKEN];
    }
  }
  if (problems.length) throw new CodecConfigError(`invalid codec server configuration: ${problems.join('; ')}`);
  const namespace = env.TEMPORAL_NAMESPACE?.trim() || 'default';
  return { port, host, tokens, ...(jwt ? { jwt } : {}), corsOrigins, requireAuth: auth === 'on', namespace };
}

/** CODEC_SERVER_JWKS_URL, _JWT_ISSUER, _JWT_AUDIENCE, _JWT_ROLE_CLAIM; production needs https and both checks. */
function loadJwtSettings(env: NodeJS.ProcessEnv, mode: CodecMode, problems: string[]): JwtSettings | undefined {
  const jwksUrl = env.CODEC_SERVER_JWKS_URL?.trim();
  const issuer = env.CODEC_SERVER_JWT_ISSUER?.trim();
  const audience = env.CODEC_SERVER_JWT_AUDIENCE?.trim();
  const roleClaim = env.CODEC_SERVER_JWT_ROLE_CLAIM?.trim() || DEFAULT_JWT_ROLE_CLAIM;
  const type = env.CODEC_SERVER_JWT_TYP?.trim() || DEFAULT_JWT_TYPE;
  if (!jwksUrl) {
    if (issuer || audience) problems.push('CODEC_SERVER_JWT_ISSUER/AUDIENCE are set but CODEC_SERVER_JWKS_URL is not');
    return undefined;
  }
  let url: URL | undefined;
  try {
    url = new URL(jwksUrl);
  } catch {
    problems.push(`CODEC_SERVER_JWKS_URL: "${jwksUrl}" is not a URL`);
  }
  if (url && mode === 'production' && url.protocol !== 'https:')
    problems.push('CODEC_SERVER_JWKS_URL: must be https in production');
  if (mode === 'production' && !issuer)
    problems.push('CODEC_SERVER_JWT_ISSUER: is required in production with CODEC_SERVER_JWKS_URL');
  if (mode === 'production' && !audience)
    problems.push('CODEC_SERVER_JWT_AUDIENCE: is required in production with CODEC_SERVER_JWKS_URL');
  return { jwksUrl, ...(issuer ? { issuer } : {}), ...(audience ? { audience } : {}), roleClaim, type };
}
