// Issue 25's shape limits (scripts/check-code-shape.ts): no function over 80 lines and no file over 300 in
// workflows/, activities/, gateway/ and client/, measured with the TypeScript parser. The repository passes
// with no file exempt, and the measure itself is checked on sources made to sit just under and just over
// each limit.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  describeBreach,
  MAX_FILE_LINES,
  MAX_FUNCTION_LINES,
  repositoryBreaches,
  shapeBreaches,
} from '../../scripts/check-code-shape';

/** A function declaration of exactly `lines` lines (its braces included). */
const functionOf = (name: string, lines: number) =>
  [`function ${name}() {`, ...Array.from({ length: lines - 2 }, (_, i) => `  const v${i} = ${i};`), '}'].join('\n');

describe('code shape', () => {
  test('the repository: no function over 80 lines and no file over 300', () => {
    expect(repositoryBreaches().map(describeBreach)).toEqual([]);
  });

  test('the walk reaches every checked folder and nested files, and skips declarations and other folders', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'code-shape-'));
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    };
    const longFile = `${Array.from({ length: MAX_FILE_LINES + 1 }, (_, i) => `export const c${i} = ${i};`).join('\n')}\n`;
    const longFunction = functionOf('long', MAX_FUNCTION_LINES + 1);
    try {
      write('workflows/otp/deep.ts', longFile);
      write('activities/fine.ts', functionOf('fits', MAX_FUNCTION_LINES));
      write('gateway/routes/long.ts', longFunction);
      write('client/long.ts', longFunction);
      write('client/types.d.ts', longFile);
      write('client/node_modules/dep/index.ts', longFile);
      write('sandbox/long.ts', longFile);
      expect(repositoryBreaches(root).map(describeBreach)).toEqual([
        'workflows/otp/deep.ts:1 the file has 301 lines (limit 300)',
        'gateway/routes/long.ts:1 long has 81 lines (limit 80)',
        'client/long.ts:1 long has 81 lines (limit 80)',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('a function of 80 lines passes, of 81 fails; the comment above it does not count', () => {
    const doc = '/**\n * Says what it does.\n */\n';
    expect(shapeBreaches('a.ts', doc + functionOf('fits', MAX_FUNCTION_LINES))).toEqual([]);
    expect(shapeBreaches('a.ts', doc + functionOf('long', MAX_FUNCTION_LINES + 1))).toEqual([
      { file: 'a.ts', line: 4, what: 'long', lines: 81, limit: 80 },
    ]);
  });

  test('methods, arrow functions and nested functions are functions too', () => {
    const body = functionOf('inner', MAX_FUNCTION_LINES + 1)
      .split('\n')
      .slice(1, -1)
      .join('\n');
    const source = [
      'class Shape {',
      '  method() {',
      body,
      '  }',
      '}',
      'const arrow = () => {',
      body,
      '};',
      'export function outer() {',
      '  return function () {',
      body,
      '  };',
      '}',
    ].join('\n');
    const found = shapeBreaches('b.ts', source).map((b) => `${b.what}:${b.lines}`);
    expect(found).toEqual(['Shape.method:81', 'arrow:81', 'outer:83', 'anonymous function:81']);
  });

  test('a file of 300 lines passes, of 301 fails', () => {
    const lines = (n: number) => `${Array.from({ length: n }, (_, i) => `export const c${i} = ${i};`).join('\n')}\n`;
    expect(shapeBreaches('c.ts', lines(MAX_FILE_LINES))).toEqual([]);
    expect(shapeBreaches('c.ts', lines(MAX_FILE_LINES + 1))).toEqual([
      { file: 'c.ts', line: 1, what: 'file', lines: 301, limit: 300 },
    ]);
  });
});
