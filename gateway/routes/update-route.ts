// The handler of every update route, app steps and operator repairs alike, from its entry in
// client/update-table.ts: the activation checked to be the caller's, the Idempotency-Key bound
// (../idempotency.ts), the ActivationClient method of the same name called, and its result mapped to the
// answer the entry names.
import type { FastifyRequest } from 'fastify';
import { UPDATES, type HttpAnswer, type InputOf, type UpdateName, type UpdateMethods } from '../../client';
import type { ActivationStatus } from '../../contract/types';
import { appView } from '../access';
import { principalOf } from '../auth';
import { admit, type Audience } from './audience';

/** The result as the entry's `answer` says: as it is, or with (or as) the status the caller may see. */
export function answerOf(answer: HttpAnswer, request: FastifyRequest, result: unknown): unknown {
  if (answer === 'result') return result;
  const withStatus = result as { status: ActivationStatus };
  const shown =
    principalOf(request).kind === 'client-secret' ? { ...withStatus, status: appView(withStatus.status) } : withStatus;
  return answer === 'status-for-app' ? shown.status : shown;
}

export function updateHandler<N extends UpdateName>(audience: Audience, name: N) {
  const entry = UPDATES[name];
  // Checked by the compiler: ActivationClient has a method for every entry, with its input and result.
  const methods: UpdateMethods = audience.deps.activations;
  return async (request: FastifyRequest): Promise<unknown> => {
    const { requestId, body } = await admit(
      audience,
      request as FastifyRequest & { body: InputOf<N>; params: { requestId: string } },
    );
    const options = await audience.idempotency.optionsFor(request, entry.step, requestId);
    return answerOf(entry.answer, request, await methods[name](requestId, body, options));
  };
}
