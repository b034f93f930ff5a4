// An esbuild plugin shared by the production build (scripts/build.ts) and the client package's build
// (scripts/build-client-package.ts): both leave every npm package external, to be resolved by Node at run time.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Plugin } from 'esbuild';

const ROOT = path.resolve(new URL('..', import.meta.url).pathname);

/**
 * Deep imports into CommonJS packages without an `exports` map ('@temporalio/interceptors-opentelemetry/lib/client')
 * work under a bundler or tsx, but Node's ESM loader resolves no directory or extensionless file. They stay
 * external, rewritten to the file CommonJS resolution finds ('.../lib/client/index.js').
 */
export const fullySpecifiedDeepImports: Plugin = {
  name: 'fully-specified-deep-imports',
  setup(b) {
    b.onResolve({ filter: /^(@[^/.][^/]*\/[^/]+|[^@./][^/]*)\/.+/ }, (args) => {
      if (args.kind !== 'import-statement' && args.kind !== 'dynamic-import') return undefined;
      const [, pkg = ''] = /^(@[^/]+\/[^/]+|[^/]+)/.exec(args.path) ?? [];
      const require = createRequire(path.join(args.resolveDir || ROOT, 'noop.js'));
      let pkgJsonPath: string;
      try {
        pkgJsonPath = require.resolve(`${pkg}/package.json`);
      } catch {
        return undefined; // an `exports` map without ./package.json: Node resolves its subpaths itself
      }
      const manifest = JSON.parse(readFileSync(pkgJsonPath, 'utf8')) as { exports?: unknown };
      if (manifest.exports !== undefined) return { path: args.path, external: true };
      const file = require.resolve(args.path);
      const subpath = path.relative(path.dirname(pkgJsonPath), file).split(path.sep).join('/');
      return { path: `${pkg}/${subpath}`, external: true };
    });
  },
};
