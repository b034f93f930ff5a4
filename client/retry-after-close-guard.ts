// The SDK's gRPC retry interceptor schedules each retry with a timer that nothing cancels: a call that was
// aborted, or whose caller stopped waiting (a health probe, a shared wait ended by a closing gateway),
// may still hold one. When that timer fires after `connection.close()`, creating the call throws
// "Channel has been shut down" from the timer, an uncaught exception that ends the process. This keeps
// the SDK's retry policy and puts a guard under it: once the connection is closed, a retry is answered
// CANCELLED at once instead of dialling the shut channel.
import {
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type ConnectionOptions,
} from '@temporalio/client';

type Interceptor = ReturnType<typeof makeGrpcRetryInterceptor>;
type NextCall = Parameters<Interceptor>[1];
type Call = ReturnType<NextCall>;

/** grpc.status.CANCELLED (no direct dependency on @grpc/grpc-js for one number). */
const CANCELLED = 1;

export interface RetryAfterCloseGuard {
  /** The SDK's default retry interceptor, whose retries stop dialling once `markClosed` was called. */
  readonly interceptors: Interceptor[];
  /** Call before closing the connection. */
  markClosed(): void;
}

export function createRetryAfterCloseGuard(): RetryAfterCloseGuard {
  let closed = false;
  const retry = makeGrpcRetryInterceptor(defaultGrpcRetryOptions());
  const guarded: Interceptor = (options, nextCall) =>
    retry(options, (callOptions) => (closed ? cancelledCall() : nextCall(callOptions)));
  return {
    interceptors: [guarded],
    markClosed: () => {
      closed = true;
    },
  };
}

/** A call that never reaches the network and ends CANCELLED as soon as it starts. */
function cancelledCall(): Call {
  const call = {
    start(metadata: unknown, listener: { onReceiveStatus(status: unknown): void }) {
      queueMicrotask(() =>
        listener.onReceiveStatus({ code: CANCELLED, details: 'the Temporal connection was closed', metadata }),
      );
    },
    sendMessage() {},
    sendMessageWithContext() {},
    halfClose() {},
    startRead() {},
    cancelWithStatus() {},
    getPeer: () => '',
  };
  return call as unknown as Call;
}

/**
 * `Connection.connect` with the guard under its retries and `close()` marking it closed first: the one
 * way tests, scripts and benchmarks open an eager Connection, so none of them can leave a retry timer that
 * throws after close (client/connect.ts does the same for the lazy one).
 */
export async function connectGuarded(options: ConnectionOptions = {}): Promise<Connection> {
  const guard = createRetryAfterCloseGuard();
  const connection = await Connection.connect({
    ...options,
    interceptors: [...guard.interceptors, ...(options.interceptors ?? [])],
  });
  const close = connection.close.bind(connection);
  connection.close = () => {
    guard.markClosed();
    return close();
  };
  return connection;
}
