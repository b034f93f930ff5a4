// Files the commands read: liveness images (sent as base64 unless already a blob: reference) and a JSON
// workflow input (a file or stdin). A file that cannot be read is InvalidInput (exit 5).
import { readFile } from 'node:fs/promises';
import { IMAGE_REF } from '../../contract/rules';
import { InvalidInput } from '../errors';
import { jsonObject } from './options';

export async function readImage(pathOrRef: string): Promise<string> {
  if (IMAGE_REF.test(pathOrRef)) return pathOrRef;
  try {
    return (await readFile(pathOrRef)).toString('base64');
  } catch (error) {
    throw new InvalidInput(`cannot read image ${pathOrRef}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, [
      { field: 'image', message: `cannot read ${pathOrRef}` },
    ]);
  }
}

/** A JSON object from `file`, or from stdin when `file` is '-'. */
export async function readInputFile(file: string): Promise<Record<string, unknown>> {
  const text = file === '-' ? await readStdin() : await readInput(file);
  try {
    return jsonObject(text);
  } catch {
    throw new InvalidInput(`${file} is not a JSON object`, [{ field: '', message: 'must be a JSON object' }]);
  }
}

async function readInput(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidInput(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, [
      { field: 'input', message: `cannot read ${file}` },
    ]);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
