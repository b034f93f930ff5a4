// The layering rules (.dependency-cruiser.mjs, run by `npm run lint:layers` in `npm test`) bite: a small tree
// written to a temporary folder breaks each of them once, and each break is reported under the rule meant
// for it, while the imports the layers allow pass. Then the repository itself, cruised as lint:layers does,
// has no violation.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cruise, type ICruiseOptions, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.mjs');

/** The folders `npm run lint:layers` cruises, read from package.json so the two cannot drift apart. */
function lintLayersFolders(): string[] {
  const scripts = (
    JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  const words = (scripts['lint:layers'] ?? '').split(/\s+/);
  return words.slice(words.indexOf('.dependency-cruiser.mjs') + 1);
}

async function violations(folders: string[], options: ICruiseOptions, tsConfig?: string) {
  const transpile = tsConfig ? { tsConfig: extractTSConfig(tsConfig) } : undefined;
  const { output } = await cruise(folders, options, undefined, transpile);
  return (output as ICruiseResult).summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

// One file per line: path, then its source. Every import names a file of this tree (or a Node built-in).
const FIXTURE: Record<string, string> = {
  'contract/types.ts': `export type Id = string;\n`,
  'workflows/index.ts': `import type { Id } from '../contract/types';\nimport { step } from './step';\nexport const run = (id: Id) => step(id);\n`,
  'workflows/step.ts': `export const step = (id: string) => id;\n`,
  // Broken: a workflow reaching the activities (Node code, outside the deterministic sandbox) and Node itself.
  'workflows/calls-activities.ts': `import { act } from '../activities/index';\nexport const x = act;\n`,
  'workflows/uses-node.ts': `import { randomUUID } from 'node:crypto';\nexport const y = randomUUID;\n`,
  'activities/index.ts': `import { helper } from './helper';\nexport const act = helper;\n`,
  'activities/helper.ts': `export const helper = 1;\n`,
  'client/index.ts': `export { start } from './starting';\n`,
  'client/starting.ts': `import type { Id } from '../contract/types';\nexport const start = (id: Id) => id;\n`,
  // Allowed: the gateway uses the client through its surface.
  'gateway/server.ts': `import { start } from '../client';\nexport const s = start;\n`,
  // Broken: past the client's surface, into its internals.
  'gateway/deep.ts': `import { start } from '../client/starting';\nexport const d = start;\n`,
  // Broken: a cycle.
  'gateway/ping.ts': `import { pong } from './pong';\nexport const ping = () => pong;\n`,
  'gateway/pong.ts': `import { ping } from './ping';\nexport const pong = () => ping;\n`,
  // Broken: an arrow back up (activities may not use the gateway) and product code reaching a test.
  'activities/uses-gateway.ts': `import { s } from '../gateway/server';\nexport const u = s;\n`,
  'codec/uses-test.ts': `import { h } from '../test/helper';\nexport const t = h;\n`,
  'test/helper.ts': `export const h = 1;\n`,
};

describe('layering rules (.dependency-cruiser.mjs)', () => {
  let dir: string;
  let found: { rule: string; from: string; to: string }[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'layering-'));
    for (const [file, source] of Object.entries(FIXTURE)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), source);
    }
    // The project's own rules and options; only the tsconfig is the repository's, not the fixture's.
    const { tsConfig: _tsConfig, ...options } = await extractDepcruiseOptions(CONFIG);
    found = await violations(['contract', 'workflows', 'activities', 'client', 'gateway', 'codec'], {
      ...options,
      baseDir: dir,
    });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const reported = (rule: string) => found.filter((v) => v.rule === rule).map((v) => `${v.from} -> ${v.to}`);

  it('keeps workflows/ to its own files, the contract and @temporalio/workflow', () => {
    expect(reported('workflows-deterministic-imports')).toEqual([
      'workflows/calls-activities.ts -> activities/index.ts',
      'workflows/uses-node.ts -> crypto',
    ]);
    expect(reported('layer-workflows')).toEqual(['workflows/calls-activities.ts -> activities/index.ts']);
  });

  it('reports a cycle', () => {
    // Reported once, from the module the cruise met first.
    expect(reported('no-circular')).toEqual(['gateway/ping.ts -> gateway/pong.ts']);
  });

  it("reports an import past another folder's surface", () => {
    // The gateway has no surface: nothing of the product imports it.
    expect(reported('no-internals').sort()).toEqual([
      'activities/uses-gateway.ts -> gateway/server.ts',
      'gateway/deep.ts -> client/starting.ts',
    ]);
  });

  it('reports an arrow back up the layers, and product code importing a test', () => {
    expect(reported('layer-activities')).toEqual(['activities/uses-gateway.ts -> gateway/server.ts']);
    expect(reported('product-not-into-tooling')).toEqual(['codec/uses-test.ts -> test/helper.ts']);
  });

  it('lets the allowed imports through', () => {
    const allowedFrom = ['workflows/index.ts', 'client/starting.ts', 'gateway/server.ts', 'activities/index.ts'];
    expect(found.filter((v) => allowedFrom.includes(v.from))).toEqual([]);
  });

  it('finds no violation in the repository, cruised as npm run lint:layers does', async () => {
    const options = await extractDepcruiseOptions(CONFIG);
    const folders = lintLayersFolders();
    expect(folders).toContain('workflows');
    const inRepo = await violations(folders, { ...options, baseDir: ROOT }, path.join(ROOT, 'tsconfig.json'));
    expect(inRepo).toEqual([]);
  });
});
