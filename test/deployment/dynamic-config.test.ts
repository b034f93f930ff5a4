// The dispatch setting is written in three places: scripts/local-stack.ts (npm start, the benchmarks),
// scripts/docker/temporal-dynamic-config.yaml (the server of docker-compose.yml) and docs/performance.md.
// These checks keep the first two equal and the compose service really reading the file.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEV_SERVER_DYNAMIC_CONFIG, dynamicConfigArgs } from '../../scripts/local-stack';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

describe('dev server dynamic config', () => {
  it('raises the transfer queue read rate above the default 20/s', () => {
    expect(DEV_SERVER_DYNAMIC_CONFIG['history.transferProcessorMaxPollRPS']).toBeGreaterThanOrEqual(1000);
  });

  it('becomes one --dynamic-config-value KEY=<JSON> flag per key', () => {
    expect(
      dynamicConfigArgs({ 'history.transferProcessorMaxPollRPS': 1000, 'some.flag': true, 'some.name': 'x' }),
    ).toEqual([
      '--dynamic-config-value',
      'history.transferProcessorMaxPollRPS=1000',
      '--dynamic-config-value',
      'some.flag=true',
      '--dynamic-config-value',
      'some.name="x"',
    ]);
  });
});

describe('docker-compose dynamic config', () => {
  const file = parse(read('scripts/docker/temporal-dynamic-config.yaml')) as Record<
    string,
    Array<{ value: unknown; constraints?: object }>
  >;

  it('sets the same values as the local dev server, unconstrained', () => {
    const values = Object.fromEntries(Object.entries(file).map(([key, entries]) => [key, entries[0]?.value]));
    expect(values).toEqual(DEV_SERVER_DYNAMIC_CONFIG);
    for (const entries of Object.values(file)) expect(entries).toHaveLength(1);
  });

  it('is mounted into the temporal service at the path DYNAMIC_CONFIG_FILE_PATH names', () => {
    const compose = parse(read('docker-compose.yml'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string>; volumes?: string[] }>;
    };
    const temporal = compose.services.temporal!;
    const target = temporal.environment?.DYNAMIC_CONFIG_FILE_PATH;
    expect(target).toMatch(/^\/etc\/temporal\/config\/dynamicconfig\/.+\.yaml$/);
    expect(temporal.volumes).toContain(`./scripts/docker/temporal-dynamic-config.yaml:${target}:ro`);
  });
});
