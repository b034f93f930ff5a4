// The shape limits of issue 25: no function over 80 lines and no file over 300 lines in workflows/,
// activities/, gateway/ or client/. Read with the TypeScript compiler's parser, so a function is what the
// language says it is (declarations, methods, accessors, constructors, arrow functions and function
// expressions, nested ones counted on their own and inside their parent), from its first token to its last;
// the comment above a function does not count, the comments inside it do.
// `npx tsx scripts/check-code-shape.ts` prints every breach and exits 1 when there is one (no file is exempt);
// test/scripts/code-shape.test.ts runs the same check in `npm test`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const CHECKED_FOLDERS = ['workflows', 'activities', 'gateway', 'client'] as const;
export const MAX_FUNCTION_LINES = 80;
export const MAX_FILE_LINES = 300;

export interface Breach {
  file: string;
  /** 1-based line where the function or file starts. */
  line: number;
  what: string;
  lines: number;
  limit: number;
}

const ROOT = path.resolve(import.meta.dirname, '..');

/** The .ts sources under `folder` (relative to `root`), sorted, without declaration files. */
export function sourcesUnder(root: string, folder: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const relative = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(relative);
      } else if (/\.(ts|mts|cts|tsx)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        found.push(relative);
      }
    }
  };
  walk(folder);
  return found.sort();
}

/** A readable name for a function node: `Class.method`, `name`, `name (arrow)`, or `anonymous`. */
function nameOf(node: ts.FunctionLikeDeclaration): string {
  const own = node.name && ts.isIdentifier(node.name) ? node.name.text : undefined;
  if (ts.isConstructorDeclaration(node)) return `${classNameOf(node)}.constructor`;
  if (ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node))
    return `${classNameOf(node)}.${node.name.getText()}`;
  if (own) return own;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText();
  return 'anonymous function';
}

function classNameOf(node: ts.Node): string {
  const parent = node.parent;
  if ((ts.isClassDeclaration(parent) || ts.isClassExpression(parent)) && parent.name) return parent.name.text;
  if (ts.isObjectLiteralExpression(parent)) return 'object';
  return 'class';
}

/** Breaches of one source text (`file` names it in the report). */
export function shapeBreaches(file: string, text: string): Breach[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const breaches: Breach[] = [];
  const fileLines = source.getLineStarts().length - (text.endsWith('\n') ? 1 : 0);
  if (fileLines > MAX_FILE_LINES)
    breaches.push({ file, line: 1, what: 'file', lines: fileLines, limit: MAX_FILE_LINES });
  const lineOf = (position: number) => source.getLineAndCharacterOfPosition(position).line + 1;
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = lineOf(node.getStart(source));
      const lines = lineOf(node.getEnd()) - first + 1;
      if (lines > MAX_FUNCTION_LINES)
        breaches.push({ file, line: first, what: nameOf(node), lines, limit: MAX_FUNCTION_LINES });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return breaches;
}

/** Every breach in the checked folders of the repository at `root`. */
export function repositoryBreaches(root: string = ROOT): Breach[] {
  return CHECKED_FOLDERS.flatMap((folder) =>
    sourcesUnder(root, folder).flatMap((file) => shapeBreaches(file, readFileSync(path.join(root, file), 'utf8'))),
  );
}

export const describeBreach = (b: Breach) =>
  `${b.file}:${b.line} ${b.what === 'file' ? 'the file' : b.what} has ${b.lines} lines (limit ${b.limit})`;

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const breaches = repositoryBreaches();
  for (const breach of breaches) console.log(`FAIL ${describeBreach(breach)}`);
  console.log(`${breaches.length} breaches`);
  process.exitCode = breaches.length ? 1 : 0;
}
