// `Idempotency-Key` on the update routes (apps' steps and operators' repairs): the header becomes the
// update id the client library derives (client/updates.ts), bound to (caller, route, activation) and to the
// body's hash in the dedup record. A retried HTTP call with the same body is the same update (the first
// answer); a reuse of the key with another body is 422 idempotency_key_reused instead of silently answering
// the first body's result; two callers choosing the same key never share an answer.
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { type UpdateOptions, InvalidInput } from '../client';
import { fieldProblems, idempotencyKeySchema } from '../contract/request-schemas';
import { principalOf } from './auth';
import type { EventDedupStore } from './dedup/store';
import { GatewayError } from './http-errors';
import { receivedBody } from './openapi';

/** JSON with sorted keys: the same body hashes the same whatever order its fields were sent in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');

/**
 * What makes two requests "the same request" for an Idempotency-Key: the body without the context every
 * app message carries (`device`: a fresh clock reading and position on each try; `accessToken`: renewed
 * by the app at any time). A retry that rebuilds its context is still the same OTP code, the same images;
 * a different code or image under the same key is a different request.
 */
export function intentOf(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const { device: _device, accessToken: _accessToken, ...intent } = body as Record<string, unknown>;
  return intent;
}

export interface Idempotency {
  /**
   * The update options of `request` on the route named `step` for `requestId`: none without the header,
   * else the key and its scope, once the key is bound to this body. Call it after the body was validated
   * and the tenant checked, so a refused request binds nothing.
   */
  optionsFor(request: FastifyRequest, step: string, requestId: string): Promise<UpdateOptions>;
}

/** Bindings are recorded where webhook deliveries are deduplicated (dedup/store.ts). */
export function createIdempotency(dedup: EventDedupStore): Idempotency {
  return {
    async optionsFor(request, step, requestId) {
      const header = request.headers['idempotency-key'];
      if (header === undefined) return {};
      const result = idempotencyKeySchema.safeParse(header);
      if (!result.success) {
        const problems = fieldProblems(result.error).map((p) => ({ ...p, field: 'Idempotency-Key' }));
        throw new InvalidInput('invalid Idempotency-Key header', problems);
      }
      const principal = principalOf(request);
      const scope = `${principal.id}|${principal.tenant}|${step}|${requestId}|${result.data}`;
      // Hashed as it arrived, not as parsed, so a key bound before the schemas were declared still matches.
      const body = receivedBody(request.body) ?? null;
      const claim = await dedup.claimIdempotencyKey(sha256(scope), sha256(canonicalJson(intentOf(body))));
      if (claim === 'different') {
        throw new GatewayError(
          422,
          'idempotency_key_reused',
          'this Idempotency-Key was already used with a different request body; send a new key for a new request',
        );
      }
      return { idempotencyKey: result.data, idempotencyScope: scope };
    },
  };
}
