// Builds the installable client package (packages/client/, its README says what it is) from the repository's
// own sources: packages/client/src/index.ts re-exports the public API, esbuild bundles it into one ESM file
// with every npm package left as an import, and dts-bundle-generator writes one index.d.ts holding only the
// types that API reaches. `npm pack` in packages/client runs it (`prepack`); so does `npm run build:client`.
//
// It refuses to build a package whose `dependencies` differ from what the bundle imports (a missing one would
// fail at the user's run time, an extra one costs them an install), or whose ranges differ from the root
// package.json's (the package must run on the versions the tests ran), or whose major version is not the
// contract's (contract/version.ts).
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateDtsBundle } from 'dts-bundle-generator';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { CONTRACT_VERSION } from '../contract/version';
import { fullySpecifiedDeepImports } from './esbuild-deep-imports';

const ROOT = path.resolve(new URL('..', import.meta.url).pathname);
export const PACKAGE_DIR = path.join(ROOT, 'packages', 'client');
const ENTRY = path.join(PACKAGE_DIR, 'src', 'index.ts');
const DIST = path.join(PACKAGE_DIR, 'dist');

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

const readManifest = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Manifest;

/** `@scope/name/deep/path` -> `@scope/name`; `name/deep` -> `name`; `node:fs` -> undefined. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('node:')) return undefined;
  const match = /^(@[^/]+\/[^/]+|[^/]+)/.exec(specifier);
  return match?.[1];
}

/** Problems that make the package wrong; empty when it may be packed. */
export function manifestProblems(imported: readonly string[], manifest: Manifest, root: Manifest): string[] {
  const problems: string[] = [];
  const declared = manifest.dependencies ?? {};
  for (const name of imported)
    if (!(name in declared)) problems.push(`the bundle imports ${name}, which is not in dependencies`);
  for (const [name, range] of Object.entries(declared)) {
    if (!imported.includes(name)) problems.push(`dependency ${name} is not imported by the bundle`);
    const rootRange = root.dependencies?.[name];
    if (rootRange !== range)
      problems.push(`dependency ${name}@${range} differs from the root's ${rootRange ?? '(none)'}`);
  }
  const major = Number(manifest.version.split('.')[0]);
  if (major !== CONTRACT_VERSION)
    problems.push(`version ${manifest.version}: its major must be the contract version ${CONTRACT_VERSION}`);
  return problems;
}

/** Folders whose code runs only on a server: the package bundles none of their modules. */
export const SERVER_ONLY_FOLDERS = ['gateway/', 'worker/', 'sandbox/'] as const;

/** Problems when the bundle took in a server-only module (an import chain from the public API reached it). */
export function serverModuleProblems(bundledModules: readonly string[]): string[] {
  return bundledModules
    .filter((file) => SERVER_ONLY_FOLDERS.some((folder) => file.startsWith(folder)))
    .map((file) => `the bundle includes ${file}, which only a server runs`);
}

/**
 * The repository's modules do nothing when imported but define things, so a module none of whose exports the
 * API uses can be dropped whole, with its imports: codec/index.ts names the codec server (fastify) beside the
 * codec the client needs. esbuild keeps an unused module's npm imports unless told it has no side effects.
 */
const ownModulesHaveNoSideEffects: Plugin = {
  name: 'own-modules-have-no-side-effects',
  setup(b) {
    b.onResolve({ filter: /^\./ }, async (args) => {
      if (args.pluginData === 'resolving' || args.importer.includes('node_modules')) return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      });
      if (resolved.errors.length || resolved.external) return resolved;
      return { ...resolved, sideEffects: false };
    });
  },
};

/** esbuild's options for dist/index.js; a test bundles with them (write: false) to see which modules it takes. */
export const bundleOptions = {
  absWorkingDir: ROOT,
  entryPoints: [ENTRY],
  outfile: path.join(DIST, 'index.js'),
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Error classes are told apart by name (ActivationNotFound, ...): keep them.
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  plugins: [ownModulesHaveNoSideEffects, fullySpecifiedDeepImports],
} satisfies BuildOptions;

export async function buildClientPackage(): Promise<{ files: Record<string, number>; dependencies: string[] }> {
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });
  const result = await build(bundleOptions);
  const imported = new Set<string>();
  for (const output of Object.values(result.metafile.outputs))
    for (const { path: specifier, external } of output.imports) {
      const name = external ? packageOf(specifier) : undefined;
      if (name) imported.add(name);
    }

  const [types] = generateDtsBundle([{ filePath: ENTRY, output: { noBanner: true, exportReferencedTypes: false } }], {
    preferredConfigPath: path.join(PACKAGE_DIR, 'tsconfig.json'),
  });
  writeFileSync(path.join(DIST, 'index.d.ts'), types ?? '');

  const problems = [
    ...manifestProblems(
      [...imported].sort(),
      readManifest(path.join(PACKAGE_DIR, 'package.json')),
      readManifest(path.join(ROOT, 'package.json')),
    ),
    ...serverModuleProblems(Object.keys(result.metafile.inputs)),
  ];
  if (problems.length) throw new Error(`packages/client is inconsistent:\n- ${problems.join('\n- ')}`);
  const files = Object.fromEntries(
    ['index.js', 'index.d.ts'].map((file) => [file, statSync(path.join(DIST, file)).size] as const),
  );
  return { files, dependencies: [...imported].sort() };
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  buildClientPackage().then(
    ({ files, dependencies }) => {
      // On stderr: `npm pack --json` runs this as `prepack`, and its stdout must stay the JSON report.
      for (const [file, bytes] of Object.entries(files))
        process.stderr.write(`  packages/client/dist/${file} (${(bytes / 1024).toFixed(0)} KiB)\n`);
      process.stderr.write(`  run-time dependencies: ${dependencies.join(', ')}\n`);
    },
    (error: unknown) => {
      console.error('client package build failed:', error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
