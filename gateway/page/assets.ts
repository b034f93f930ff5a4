// The activation page's script and stylesheet, held in memory with a gzipped copy (they are ~40 KB).
// A production build has them next to the gateway's bundle (dist/gateway/page-assets/, written by
// scripts/build.ts); anywhere else (npm start, the tests, all under tsx) they are built from page/ with
// esbuild when the gateway starts, so a change to the page shows on the next start.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface PageAsset {
  body: Buffer;
  gzipped: Buffer;
  contentType: string;
}

export interface PageAssets {
  files: Map<string, PageAsset>;
  /** Changes with the content: the shell asks for `page.js?v=<version>`, so a long cache is safe. */
  version: string;
}

const CONTENT_TYPES: Record<string, string> = {
  'page.js': 'text/javascript; charset=utf-8',
  'page.css': 'text/css; charset=utf-8',
};

/** Where `npm run build` puts them: beside dist/gateway/main.js, which is this module once bundled. */
const PREBUILT_DIR = fileURLToPath(new URL('./page-assets/', import.meta.url));

const DEV_BUILDER = '../../scripts/build-page.ts';

let loading: Promise<PageAssets> | undefined;

export function loadPageAssets(): Promise<PageAssets> {
  loading ??= (async () => {
    let texts: Record<string, string>;
    if (existsSync(PREBUILT_DIR)) {
      texts = Object.fromEntries(
        Object.keys(CONTENT_TYPES).map((name) => [name, readFileSync(`${PREBUILT_DIR}${name}`, 'utf8')]),
      );
    } else {
      // Development only: esbuild is a devDependency, absent from a production image (which has PREBUILT_DIR).
      // The specifier is a variable so that `npm run build` does not bundle the builder (and its static
      // import of esbuild) into the gateway.
      const builder = DEV_BUILDER;
      const { buildPage } = (await import(builder)) as typeof import('../../scripts/build-page');
      texts = { ...(await buildPage()) };
    }
    const files = new Map<string, PageAsset>();
    const hash = createHash('sha256');
    for (const [name, contentType] of Object.entries(CONTENT_TYPES)) {
      const body = Buffer.from(texts[name] ?? '', 'utf8');
      hash.update(body);
      files.set(name, { body, gzipped: gzipSync(body, { level: 9 }), contentType });
    }
    return { files, version: hash.digest('hex').slice(0, 16) };
  })();
  return loading;
}
