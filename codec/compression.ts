// Optional compression before encryption (ciphertext does not compress). Payloads are JSON that often
// carries base64 images, which brotli shrinks by about a quarter; small payloads are left alone.
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants, inflate } from 'node:zlib';
import { CodecDecodeError } from './errors';

export type Compression = 'br' | 'deflate';
/**
 * Below this size compression costs more CPU than the bytes it saves are worth: an activation's ordinary
 * payloads (inputs, results, statuses with a short audit trail) are 0.3-3 KB, and compressing them was
 * 6.6 % of the worker's busy main thread in the skeleton comparison (BENCHMARKS.md §2). Images and long
 * audit trails, where compression pays, are far above it.
 */
export const MIN_COMPRESS_BYTES = 4096;
/** Upper bound for decompressed output: far above Temporal's 2 MB payload limit, far below a memory problem. */
const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

const brotli = promisify(brotliCompress);
const unbrotli = promisify(brotliDecompress);
const unzip = promisify(inflate);

/** Returns compressed bytes only when they are smaller; the async zlib API keeps the event loop free. */
export async function maybeCompress(data: Uint8Array): Promise<{ bytes: Uint8Array; compression?: Compression }> {
  if (data.length < MIN_COMPRESS_BYTES) return { bytes: data };
  const compressed = await brotli(data, {
    // Quality 5: most of brotli's ratio at deflate-like speed (the default 11 takes seconds on 2 MB).
    params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
  });
  return compressed.length < data.length ? { bytes: compressed, compression: 'br' } : { bytes: data };
}

/** 'deflate' is accepted too, so another writer may pick it; this writer emits 'br'. */
export async function decompress(data: Uint8Array, compression: string): Promise<Buffer> {
  try {
    if (compression === 'br') return await unbrotli(data, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
    if (compression === 'deflate') return await unzip(data, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  } catch (error) {
    throw new CodecDecodeError(`payload decompression (${compression}) failed: ${(error as Error).message}`);
  }
  throw new CodecDecodeError(`unsupported payload compression "${compression}"`);
}
