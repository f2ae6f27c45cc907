/**
 * The Temporal client connection every process of ours opens: the SDK's own retry of unavailable servers,
 * plus a guard for what that retry does once the connection is closed.
 *
 * The SDK's retry interceptor (@temporalio/client 1.24) waits between attempts on a timer that
 * `Connection.close()` does not clear. When such a timer fires after the close, grpc-js throws
 * "Channel has been shut down" from inside the timer, where nothing can catch it: the process dies on an
 * uncaught exception, and the call's promise never settles. Any call in flight while Temporal is
 * unreachable can be in that state when a bridge or a test stops.
 *
 * The guard sits below the retry interceptor: a call the retry makes on a closed channel ends, instead,
 * with status CANCELLED "Temporal connection closed" (not a retryable status), so the caller's promise
 * rejects and no timer throws.
 */
import { InterceptingCall, Metadata, status as GrpcStatus, type Interceptor, type InterceptingListener } from '@grpc/grpc-js';
import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type ConnectionOptions } from '@temporalio/client';

/** What grpc-js throws when a call is made on a closed channel. */
const CLOSED_CHANNEL = 'Channel has been shut down';

export const CONNECTION_CLOSED_DETAILS = 'Temporal connection closed';

/** A call that never reaches a server: it ends, once started, with CANCELLED. */
function closedCall(): ConstructorParameters<typeof InterceptingCall>[0] {
  let listener: Partial<InterceptingListener> | undefined;
  return {
    start(_metadata, callListener) {
      listener = callListener;
      // Asynchronously, as a real call ends: the caller finishes its synchronous setup (sendMessage, halfClose) first.
      setImmediate(() => listener?.onReceiveStatus?.({ code: GrpcStatus.CANCELLED, details: CONNECTION_CLOSED_DETAILS, metadata: new Metadata() }));
    },
    cancelWithStatus() {},
    getPeer: () => '',
    sendMessageWithContext() {},
    sendMessage() {},
    startRead() {},
    halfClose() {},
    getAuthContext: () => null,
  };
}

/** Below the retry interceptor: a call on a closed channel ends with CANCELLED instead of throwing. */
export const closedChannelGuard: Interceptor = (options, nextCall) => {
  try {
    return new InterceptingCall(nextCall(options));
  } catch (err) {
    if (!(err instanceof Error && err.message === CLOSED_CHANNEL)) throw err;
    return new InterceptingCall(closedCall());
  }
};

/** The SDK's default interceptors (its retry), with the closed-channel guard beneath. */
export function temporalInterceptors(): Interceptor[] {
  return [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), closedChannelGuard];
}

/** Connection.connect with our interceptors (unless the options bring their own). */
export function connectTemporal(options: ConnectionOptions = {}): Promise<Connection> {
  return Connection.connect({ ...options, interceptors: options.interceptors ?? temporalInterceptors() });
}

/** Connection.lazy with our interceptors: connects on first use. */
export function lazyTemporal(options: ConnectionOptions = {}): Connection {
  return Connection.lazy({ ...options, interceptors: options.interceptors ?? temporalInterceptors() });
}
