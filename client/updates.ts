// The one body of ActivationClient's update methods: the input checked against the entry's schema
// (update-table.ts) before anything is sent, the update id derived from the caller's idempotency key, and the
// update sent under the update deadline with its failure mapped to a typed error.
import { createHash } from 'node:crypto';
import { ResendCooldown, VlensUnavailable } from './errors';
import { toActivationError } from './error-mapping';
import { idempotencyKeySchema } from '../contract/request-schemas';
import { normaliseRequestId, parseInput } from './parse-input';
import type { ActivationCalls } from './activation-calls';
import { UPDATES, type InputOf, type ResultOf, type UpdateAction, type UpdateName } from './update-table';

/** Per-call options of the updates. */
export interface UpdateOptions {
  /**
   * The caller's idempotency key. The update id is derived from it (`otp-<key>`), so a retried call
   * returns the first call's answer instead of being a second OTP attempt.
   */
  idempotencyKey?: string;
  /**
   * Who uses the key (the gateway passes the caller and route): the update id then becomes
   * `otp-<hash of scope>-<key>`, so two callers choosing the same key never share an answer.
   */
  idempotencyScope?: string;
}

/** After this many come-back-later answers for one idempotency key, the last one is final. */
const MAX_UPDATE_GENERATIONS = 20;

export class UpdateSender {
  constructor(private readonly calls: ActivationCalls) {}

  /** Checks `payload` with the entry's schema, then sends the update `name` (see update). */
  async send<N extends UpdateName>(
    name: N,
    requestId: string,
    payload: InputOf<N>,
    options: UpdateOptions,
  ): Promise<ResultOf<N>> {
    const entry = UPDATES[name] as unknown as UpdateAction<InputOf<N>, ResultOf<N>>;
    requestId = normaliseRequestId(requestId);
    const input = parseInput(entry.schema, payload, entry.label);
    return this.update(requestId, entry.step, options, (id) =>
      this.calls.handle(requestId).executeUpdate(entry.definition, { args: [input], ...id }),
    );
  }

  /** The update id an idempotency key gives for `step` (undefined without a key). */
  updateId(step: string, options: UpdateOptions): string | undefined {
    if (options.idempotencyKey === undefined) return undefined;
    const key = parseInput(idempotencyKeySchema, options.idempotencyKey, 'idempotency key');
    if (options.idempotencyScope === undefined) return `${step}-${key}`;
    return `${step}-${createHash('sha256').update(options.idempotencyScope, 'utf8').digest('base64url').slice(0, 16)}-${key}`;
  }

  /** The result of an update this client sent before under `updateId`, or undefined if there is none. */
  async earlierResult<T>(requestId: string, updateId: string): Promise<T | undefined> {
    try {
      return await this.calls.withDeadline(this.calls.callTimeoutMs, () =>
        this.calls.handle(requestId).getUpdateHandle<T>(updateId).result(),
      );
    } catch {
      return undefined; // never sent (NOT_FOUND), or not answerable now: the caller's refusal stands
    }
  }

  /**
   * Sends an update. With an idempotency key the update id is derived from it, so a retried HTTP call
   * gets the first call's answer instead of being a second OTP attempt. Two answers are not worth
   * repeating, because they told the caller to come back later and used nothing up: VlensUnavailable
   * (Vlens never answered) and ResendCooldown. Temporal would repeat such an answer for the same id
   * forever, so an id whose update ended that way is skipped for the next generation of the same key
   * (`otp-K`, `otp-K~1`, ...).
   */
  private async update<T>(
    requestId: string,
    step: string,
    options: UpdateOptions,
    send: (id: { updateId?: string }) => Promise<T>,
  ): Promise<T> {
    const baseId = this.updateId(step, options);
    return this.calls.guard(requestId, () =>
      this.calls.withDeadline(this.calls.updateTimeoutMs, async () => {
        if (baseId === undefined) return send({});
        for (let generation = 0; ; generation++) {
          const updateId = generation === 0 ? baseId : `${baseId}~${generation}`;
          if (generation === MAX_UPDATE_GENERATIONS || !(await this.endedWithComeBackLater(requestId, updateId))) {
            return send({ updateId });
          }
        }
      }),
    );
  }

  /** True when the update `updateId` exists and its answer was "try again later". */
  private async endedWithComeBackLater(requestId: string, updateId: string): Promise<boolean> {
    try {
      await this.calls.handle(requestId).getUpdateHandle(updateId).result();
      return false;
    } catch (error) {
      // Not found (a fresh id, or no such activation, which sending reports properly) or any other answer.
      const answer = toActivationError(error, requestId);
      return answer instanceof VlensUnavailable || answer instanceof ResendCooldown;
    }
  }
}

/** ActivationClient's update methods, one per entry of update-table.ts (the gateway calls them by name). */
export type UpdateMethods = {
  [N in UpdateName]: (requestId: string, payload: InputOf<N>, options?: UpdateOptions) => Promise<ResultOf<N>>;
};
