// The hosted activation page's browser bundle (page/, issue 26): TypeScript and CSS through esbuild,
// minified, one script and one stylesheet. The gateway serves them (gateway/page/assets.ts): in
// development it calls buildPage() when it starts; `npm run build` writes them next to the gateway's bundle
// (scripts/build.ts), because a production image has no esbuild.
//
//   npx tsx scripts/build-page.ts     prints each file's size and gzipped size (the 60 KB budget of issue 26)
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface PageBundle {
  'page.js': string;
  'page.css': string;
}

export const PAGE_FILES = ['page.js', 'page.css'] as const;

export async function buildPage(): Promise<PageBundle> {
  const common = {
    absWorkingDir: ROOT,
    bundle: true,
    minify: true,
    write: false,
    logLevel: 'warning' as const,
    legalComments: 'none' as const,
    // Phones a few years old (Safari 14, Chrome 90 read ES2020).
    target: 'es2020',
  };
  const [script, style] = await Promise.all([
    build({ ...common, entryPoints: ['page/main.ts'], format: 'esm', platform: 'browser', outfile: 'page.js' }),
    build({ ...common, entryPoints: ['page/style.css'], outfile: 'page.css' }),
  ]);
  const text = (files: { text: string }[] | undefined) => files?.map((f) => f.text).join('') ?? '';
  return { 'page.js': text(script.outputFiles), 'page.css': text(style.outputFiles) };
}

async function main(): Promise<void> {
  const bundle = await buildPage();
  let raw = 0;
  let gzipped = 0;
  for (const name of PAGE_FILES) {
    const bytes = Buffer.byteLength(bundle[name]);
    const gz = gzipSync(bundle[name], { level: 9 }).length;
    raw += bytes;
    gzipped += gz;
    console.log(`${name}: ${bytes} bytes, ${gz} bytes gzipped`);
  }
  console.log(`script + style: ${raw} bytes, ${gzipped} bytes gzipped (${(gzipped / 1024).toFixed(1)} KiB)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
