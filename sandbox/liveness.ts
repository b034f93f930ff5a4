// Liveness images: format checks (base64, size) answer 400/4000; the "is it the same live person" verdict
// answers 4011. The sandbox cannot recognise faces, so the verdict is seeded (`livenessOutcome`) plus the
// one rule it can check: the captures must not be identical copies.
import { errors, type FieldError } from './envelope';
import type { BusinessRequestRecord } from './state';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decoded bytes of a strict (standard alphabet, padded) base64 string, or null when it is not base64. */
function decodedBase64(value: string): Buffer | null {
  if (value.length === 0 || value.length % 4 !== 0 || !BASE64.test(value)) return null;
  return Buffer.from(value, 'base64');
}

/** Validates every image; collects all field errors so the client sees them at once. */
export function decodeImages(images: Record<string, string>, maxBytes: number): Map<string, Buffer> {
  const problems: FieldError[] = [];
  const decoded = new Map<string, Buffer>();
  for (const [field, value] of Object.entries(images)) {
    const bytes = decodedBase64(value);
    if (!bytes) problems.push({ field, message: 'must be a base64-encoded image' });
    else if (bytes.length >= maxBytes)
      problems.push({ field, message: `decoded image must be under ${maxBytes} bytes` });
    else decoded.set(field, bytes);
  }
  if (problems.length > 0) throw errors.validation(problems);
  return decoded;
}

/** Throws 4011 when the seeded outcome is `fail` or any two captures are byte-identical. */
export function assertLive(request: BusinessRequestRecord, decoded: Map<string, Buffer>): void {
  const captures = [...decoded.values()];
  const duplicate = captures.some((a, i) => captures.slice(i + 1).some((b) => a.equals(b)));
  if (request.livenessOutcome === 'fail' || duplicate) throw errors.livenessFailed();
}
