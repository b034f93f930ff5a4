// The one place that turns what the Temporal client throws into the typed errors of errors.ts
// (docs/design.md, "Style to follow": one table maps a third-party API's errors). The workflow's update
// validators and handlers reject with ApplicationFailures whose `type` is in FAILURE_TYPES
// (contract/rules.ts); everything else is Temporal itself (not found, unreachable, timed out).
import {
  isGrpcServiceError,
  QueryNotRegisteredError,
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { FieldProblem } from '../contract/input-checks';
import { FAILURE_TYPES } from '../contract/rules';
import type { ActivationState, FailureReason } from '../contract/types';
import {
  ActivationEnded,
  ActivationError,
  ActivationNotFound,
  InvalidInput,
  InvalidState,
  ResendCooldown,
  SendsExhausted,
  TemporalUnavailable,
  UnexpectedActivationError,
  VlensUnavailable,
} from './errors';

// gRPC status codes (stable numbers of the gRPC spec), spelled out to avoid a direct grpc dependency.
const grpcStatus = {
  CANCELLED: 1,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNAVAILABLE: 14,
} as const;

const UNAVAILABLE_GRPC_CODES = new Set<number>([
  grpcStatus.UNAVAILABLE,
  grpcStatus.DEADLINE_EXCEEDED,
  grpcStatus.CANCELLED,
  grpcStatus.RESOURCE_EXHAUSTED,
]);

function grpcCodeOf(error: unknown): number | undefined {
  if (isGrpcServiceError(error)) return error.code;
  if (error instanceof ServiceError && isGrpcServiceError(error.cause)) return error.cause.code;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The workflow sends field problems as an array; a few rejections name one field in an object. */
function fieldProblemsFrom(detail: unknown, fallbackMessage: string): FieldProblem[] {
  const asProblem = (p: unknown): FieldProblem | undefined =>
    isRecord(p) && typeof p.field === 'string'
      ? { field: p.field, message: typeof p.message === 'string' ? p.message : fallbackMessage }
      : undefined;
  if (Array.isArray(detail)) return detail.map(asProblem).filter((p): p is FieldProblem => p !== undefined);
  const one = asProblem(detail);
  return one ? [one] : [{ field: '', message: fallbackMessage }];
}

/** Maps a workflow rejection (an ApplicationFailure from a validator or update handler). */
export function fromApplicationFailure(failure: ApplicationFailure, cause: unknown): ActivationError {
  const detail: unknown = failure.details?.[0];
  const record = isRecord(detail) ? detail : {};
  switch (failure.type) {
    case FAILURE_TYPES.invalidInput:
      return new InvalidInput(failure.message, fieldProblemsFrom(detail, failure.message), { cause });
    case FAILURE_TYPES.invalidState:
      return new InvalidState(
        failure.message,
        {
          ...(typeof record.state === 'string' ? { state: record.state as ActivationState } : {}),
          ...(Array.isArray(record.expected) ? { expected: record.expected as ActivationState[] } : {}),
        },
        { cause },
      );
    case FAILURE_TYPES.resendCooldown:
      return new ResendCooldown(
        typeof record.resendAvailableAt === 'string' ? record.resendAvailableAt : new Date().toISOString(),
        {
          cause,
        },
      );
    case FAILURE_TYPES.sendsExhausted:
      return new SendsExhausted(failure.message, { cause });
    case FAILURE_TYPES.activationEnded:
      return new ActivationEnded(
        failure.message,
        {
          ...(typeof record.state === 'string' ? { state: record.state as ActivationState } : {}),
          ...(typeof record.failureReason === 'string' ? { failureReason: record.failureReason as FailureReason } : {}),
        },
        { cause },
      );
    case FAILURE_TYPES.vlensUnavailable:
      // Vlens did not answer a user-facing call in time; nothing was used up.
      return new VlensUnavailable(failure.message, undefined, { cause });
    default:
      return new UnexpectedActivationError(
        'the activation rejected the request unexpectedly',
        { type: failure.type },
        { cause },
      );
  }
}

/**
 * Maps anything the Temporal client threw while acting on `requestId`'s activation. Errors that are
 * already typed pass through, so callers can wrap freely.
 */
export function toActivationError(error: unknown, requestId: string): ActivationError {
  if (error instanceof ActivationError) return error;
  if (error instanceof WorkflowUpdateFailedError) {
    if (error.cause instanceof ApplicationFailure) return fromApplicationFailure(error.cause, error);
    return new UnexpectedActivationError('the update failed', undefined, { cause: error });
  }
  if (error instanceof ApplicationFailure) return fromApplicationFailure(error, error);
  if (error instanceof WorkflowNotFoundError) return new ActivationNotFound(requestId, { cause: error });
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new TemporalUnavailable(
      'the activation did not answer in time; retry with the same Idempotency-Key',
      undefined,
      {
        cause: error,
      },
    );
  }
  const code = grpcCodeOf(error);
  if (code === grpcStatus.NOT_FOUND) return new ActivationNotFound(requestId, { cause: error });
  // The activation's workflow task keeps failing (a worker mid-deploy, or a bug an operator must repair):
  // Temporal refuses updates with FAILED_PRECONDITION, and queries come back "not registered" (the status
  // query always is; the message carries the task's error). Nothing was done; retry, like any outage.
  if (code === grpcStatus.FAILED_PRECONDITION || error instanceof QueryNotRegisteredError) {
    return new TemporalUnavailable(
      'the activation cannot take requests right now (its workflow task is failing); retry later',
      undefined,
      {
        cause: error,
      },
    );
  }
  if (code !== undefined && UNAVAILABLE_GRPC_CODES.has(code)) {
    return new TemporalUnavailable('Temporal is unreachable or did not answer in time', undefined, { cause: error });
  }
  return new UnexpectedActivationError('unexpected error talking to Temporal', undefined, { cause: error });
}
