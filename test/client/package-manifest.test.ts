// The client package's build refuses a manifest that does not match its bundle (scripts/build-client-package.ts):
// a dependency the bundle imports but the manifest lacks fails at the user's run time, an extra one costs an
// install, a range other than the root's was never tested, and a major other than the contract's lies.
// Nor does it ship server code: the bundle takes no module of gateway/, worker/ or sandbox/.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, test } from 'vitest';
import { CONTRACT_VERSION } from '../../contract/version';
import { bundleOptions, manifestProblems, serverModuleProblems } from '../../scripts/build-client-package';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));
const root = read('package.json');
const manifest = read('packages/client/package.json');
const imported = Object.keys(manifest.dependencies);

describe('packages/client/package.json', () => {
  test('as committed: its dependencies at the root ranges, its major the contract version', () => {
    expect(manifestProblems(imported, manifest, root)).toEqual([]);
    expect(manifest.version.split('.')[0]).toBe(String(CONTRACT_VERSION));
    expect(Object.keys(manifest.exports)).toEqual(['.', './package.json']);
  });

  test('refuses a missing or extra dependency, another range, another major', () => {
    expect(manifestProblems([...imported, 'fastify'], manifest, root)).toEqual([
      'the bundle imports fastify, which is not in dependencies',
    ]);
    expect(manifestProblems(imported.slice(1), manifest, root)).toEqual([
      `dependency ${imported[0]} is not imported by the bundle`,
    ]);
    const [first] = imported as [string];
    const otherRange = { ...manifest, dependencies: { ...manifest.dependencies, [first]: '^0.0.1' } };
    expect(manifestProblems(imported, otherRange, root)).toEqual([
      `dependency ${first}@^0.0.1 differs from the root's ${root.dependencies[first]}`,
    ]);
    expect(manifestProblems(imported, { ...manifest, version: `${CONTRACT_VERSION + 1}.0.0` }, root)).toEqual([
      `version ${CONTRACT_VERSION + 1}.0.0: its major must be the contract version ${CONTRACT_VERSION}`,
    ]);
  });

  test('the bundle takes no server-only module (the gateway, the worker, the sandbox)', async () => {
    const { metafile } = await build({ ...bundleOptions, write: false });
    const bundled = Object.keys(metafile.inputs);
    expect(bundled).toContain('client/activation-client.ts');
    expect(serverModuleProblems(bundled)).toEqual([]);
    expect(serverModuleProblems([...bundled, 'gateway/server.ts'])).toEqual([
      'the bundle includes gateway/server.ts, which only a server runs',
    ]);
  });
});
