// What the client saw of one HTTP exchange with Vlens (a VlensReply), and how a response body is read into
// it: the envelope when there is one, else a description of what was wrong. The meaning of a reply is
// decided elsewhere (activities/outcomes.ts); this file holds no rule.
//
// Never kept: the request body and the raw response body (OTP codes, images, tokens, positions).
import { describeIssues, envelopeSchema, type VlensEnvelope } from './schemas';

/** The operations a call belongs to: the four steps, proving an activation by its status, and the service login. */
export type VlensOp =
  'requestOtp' | 'revalidateLiveness' | 'validateOtp' | 'validatePayment' | 'requestStatus' | 'serviceLogin';

/** Whose bearer token a call carried; a 401 means different things for each. */
export type TokenSource = 'user' | 'service' | 'none';

/** One HTTP exchange with Vlens, as the client saw it (no request body, no raw response body). */
export interface VlensReply {
  path: string;
  httpStatus: number;
  /** The Retry-After header, raw. */
  retryAfter: string | null;
  tokenSource: TokenSource;
  body: { ok: true; envelope: VlensEnvelope } | { ok: false; reason: string; empty: boolean };
}

/** Parses a body as the Vlens envelope; describes (never quotes) what was wrong with it. */
export function parseEnvelope(text: string, contentType: string | null): VlensReply['body'] {
  if (text.trim() === '') return { ok: false, reason: 'empty body', empty: true };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      ok: false,
      reason: `non-JSON body (content-type ${contentType ?? 'none'}, ${text.length} chars)`,
      empty: false,
    };
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success)
    return { ok: false, reason: `body is not an envelope (${describeIssues(parsed.error)})`, empty: false };
  return { ok: true, envelope: parsed.data };
}
