// The process-level settings the production image gives every Node process (the runtime stage's ENV in
// ./Dockerfile), so that a benchmark of the compiled worker runs it the way the image does. Only the
// settings that shape the process itself are taken (allocator, V8 flags); the rest of the image's ENV
// (NODE_ENV=production, paths inside the container) describes the container, not the process.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const PROCESS_SETTINGS = ['MALLOC_ARENA_MAX', 'NODE_OPTIONS'] as const;

/** A Dockerfile's instructions: continuation lines joined, comments dropped, keyword upper-cased. */
export function dockerfileInstructions(dockerfile: string): Array<{ keyword: string; args: string }> {
  return dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** `ENV` pairs of the Dockerfile's last stage. */
export function runtimeStageEnv(dockerfile: string): Record<string, string> {
  const instructions = dockerfileInstructions(dockerfile);
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM');
  const env: Record<string, string> = {};
  for (const { keyword, args } of instructions.slice(lastFrom)) {
    if (keyword !== 'ENV') continue;
    for (const pair of args.split(/\s+/)) {
      const at = pair.indexOf('=');
      if (at > 0) env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return env;
}

/** What the image sets for the process: MALLOC_ARENA_MAX and NODE_OPTIONS (see ./Dockerfile for why). */
export function imageProcessEnv(root: string): Record<string, string> {
  const env = runtimeStageEnv(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
  return Object.fromEntries(PROCESS_SETTINGS.filter((key) => env[key] !== undefined).map((key) => [key, env[key]!]));
}
