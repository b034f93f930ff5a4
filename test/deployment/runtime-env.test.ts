// The process settings the image gives every Node process, as the benchmarks read them from ./Dockerfile
// (scripts/docker/runtime-env.ts): a compiled worker in a benchmark must run with what production runs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageProcessEnv, runtimeStageEnv } from '../../scripts/docker/runtime-env';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('runtimeStageEnv', () => {
  it('reads the ENV of the last stage only, continuation lines and comments included', () => {
    const dockerfile = [
      'FROM base AS build',
      'ENV BUILD_ONLY=1',
      'FROM base AS runtime',
      '# a comment between instructions',
      'ENV NODE_ENV=production \\',
      '    NODE_OPTIONS=--max-semi-space-size=4 \\',
      '    MALLOC_ARENA_MAX=2',
      'ENV LATER=yes',
      'CMD ["node"]',
    ].join('\n');
    expect(runtimeStageEnv(dockerfile)).toEqual({
      NODE_ENV: 'production',
      NODE_OPTIONS: '--max-semi-space-size=4',
      MALLOC_ARENA_MAX: '2',
      LATER: 'yes',
    });
  });
});

describe('imageProcessEnv', () => {
  it("takes the allocator and V8 settings from the project's Dockerfile, and nothing that describes the container", () => {
    const env = imageProcessEnv(ROOT);
    expect(env).toEqual({ MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--enable-source-maps' });
    expect(runtimeStageEnv(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).NODE_ENV).toBe('production');
  });
});
