// One definition of "production" for every data-safety check: production refuses insecure defaults
// (generated keys, default tokens, auth off); development (`npm start`) gets working defaults.
export type CodecMode = 'production' | 'development';

export function codecMode(env: NodeJS.ProcessEnv): CodecMode {
  return env.NODE_ENV === 'production' || env.CODEC_REQUIRE_KEYS === 'true' ? 'production' : 'development';
}
