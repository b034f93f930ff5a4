// Typed codec-server settings read once from env. Production refuses the insecure development
// defaults (default token, auth off) so a forgotten variable fails at start-up, not in an audit.
import { CodecConfigError } from './errors';
import { codecMode, type CodecMode } from './mode';

export const DEV_CODEC_TOKEN = 'dev-codec-token';
export const DEFAULT_CODEC_SERVER_PORT = 8888;
export const DEFAULT_CORS_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];
/** Long enough that guessing is hopeless even without rate limiting. */
const MIN_PRODUCTION_TOKEN_CHARS = 16;

export interface CodecServerConfig {
  port: number;
  host: string;
  tokens: string[];
  corsOrigins: string[];
  /** false only when CODEC_SERVER_AUTH=off in development (the local Temporal UI cannot send a bearer token). */
  requireAuth: boolean;
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

export function loadCodecServerConfig(env: NodeJS.ProcessEnv, mode: CodecMode = codecMode(env)): CodecServerConfig {
  const portText = env.CODEC_SERVER_PORT?.trim() || String(DEFAULT_CODEC_SERVER_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new CodecConfigError(`CODEC_SERVER_PORT must be a port number (1-65535), got "${portText}"`);
  }
  const host = env.CODEC_SERVER_HOST?.trim() || '127.0.0.1';

  const corsOrigins = env.CODEC_SERVER_CORS_ORIGINS === undefined ? DEFAULT_CORS_ORIGINS : list(env.CODEC_SERVER_CORS_ORIGINS);
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new CodecConfigError(`CODEC_SERVER_CORS_ORIGINS: "${origin}" is not an origin like http://host:port`);
    }
  }

  const auth = env.CODEC_SERVER_AUTH?.trim().toLowerCase() || 'on';
  if (auth !== 'on' && auth !== 'off') throw new CodecConfigError(`CODEC_SERVER_AUTH must be "on" or "off", got "${auth}"`);
  if (auth === 'off' && mode === 'production') {
    throw new CodecConfigError('CODEC_SERVER_AUTH=off is refused in production: the codec server decrypts secrets');
  }

  let tokens = list(env.CODEC_SERVER_TOKENS);
  if (mode === 'production') {
    if (tokens.length === 0) throw new CodecConfigError('CODEC_SERVER_TOKENS is required in production');
    if (tokens.some((t) => t === DEV_CODEC_TOKEN || t.length < MIN_PRODUCTION_TOKEN_CHARS)) {
      throw new CodecConfigError(
        `CODEC_SERVER_TOKENS: every production token must be at least ${MIN_PRODUCTION_TOKEN_CHARS} characters and not the dev token`,
      );
    }
  } else if (tokens.length === 0) {
    tokens = [DEV_CODEC_TOKEN];
  }
  return { port, host, tokens, corsOrigins, requireAuth: auth === 'on' };
}
