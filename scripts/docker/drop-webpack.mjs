// Takes webpack and the packages only it needs (terser, caniuse-lite, @webassemblyjs, ...; about 25 MB) out
// of a production node_modules, leaving in webpack's place a package that throws when called. The Dockerfile
// runs it in its dependencies stage, after scripts/docker/prune-node-modules.sh.
//
// Why it is safe: @temporalio/worker requires webpack when it loads (lib/workflow/bundler.js) but calls it
// only to bundle workflow code at start-up, and a compiled worker never does: worker/main.ts always loads the
// prebuilt dist/workflow-bundle*.js (WORKFLOW_BUNDLE_PATH). Should something bundle in the image all the same,
// the stub fails loudly with the reason instead of bundling; `bash scripts/docker/ci.sh --topology` runs the
// image's workers against a real Temporal server and would show it.
//
// Which packages go is read from package-lock.json with Node's resolution rule (a dependency is looked up in
// node_modules folders from the requiring package upwards): everything reachable from webpack and from nothing
// else that is installed. Usage: node drop-webpack.mjs [app-dir]
/* global process, console */
import { existsSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const APP = path.resolve(process.argv[2] ?? '.');
const DROPPED = 'node_modules/webpack';
const lock = JSON.parse(readFileSync(path.join(APP, 'package-lock.json'), 'utf8'));
const installed = (key) => key === '' || (lock.packages[key] && existsSync(path.join(APP, key)));

/** The lock key a dependency `name` of the package at `from` resolves to, or undefined when none is installed. */
function resolve(from, name) {
  for (let dir = from; ;) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (installed(candidate)) return candidate;
    if (!dir) return undefined;
    const at = dir.lastIndexOf('node_modules/');
    dir = at <= 0 ? '' : dir.slice(0, at - 1);
  }
}

/** Every installed package reachable from `roots`, not walking into `stop`'s dependencies. */
function reachable(roots, stop) {
  const seen = new Set();
  const queue = [...roots];
  while (queue.length > 0) {
    const key = queue.pop();
    if (seen.has(key)) continue;
    seen.add(key);
    if (key === stop) continue;
    const entry = lock.packages[key];
    const names = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const name of Object.keys(names)) {
      const target = resolve(key, name);
      if (target) queue.push(target);
    }
  }
  return seen;
}

if (!installed(DROPPED)) {
  console.log('drop-webpack: webpack is not installed; nothing to do');
  process.exit(0);
}
const kept = reachable([''], DROPPED);
const fromWebpack = reachable([DROPPED], undefined);
const dropped = [...fromWebpack].filter((key) => key !== DROPPED && !kept.has(key));
for (const key of dropped) rmSync(path.join(APP, key), { recursive: true, force: true });

const version = lock.packages[DROPPED].version;
const dir = path.join(APP, DROPPED);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir);
writeFileSync(
  path.join(dir, 'package.json'),
  `${JSON.stringify({ name: 'webpack', version, description: 'stand-in: see index.js', main: 'index.js' }, null, 2)}\n`,
);
writeFileSync(
  path.join(dir, 'index.js'),
  `'use strict';
// Stand-in left by scripts/docker/drop-webpack.mjs: this image bundles no workflow code at run time.
function webpack() {
  throw new Error(
    'webpack is not in this image: the worker must load the prebuilt workflow bundle (WORKFLOW_BUNDLE_PATH), not bundle at start-up',
  );
}
module.exports = webpack;
module.exports.webpack = webpack;
`,
);
console.log(
  `drop-webpack: webpack@${version} replaced by a stand-in that throws; ${dropped.length} packages only it needed removed`,
);
