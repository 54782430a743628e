// Waiting that an AbortSignal can cut short, shared by the writers and readers of archives.
import { isNativeError } from 'node:util/types';

/**
 * Waits for `arm` to call resolve, or rejects as soon as `signal` aborts; the abort listener is
 * removed afterwards, so long loops do not pile listeners up.
 */
export function waitFor(arm: (resolve: () => void, reject: (e: unknown) => void) => void, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => reject(abortReason(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (fn: () => void) => () => {
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    arm(done(resolve), (e) => done(() => reject(e))());
  });
}

/** The error an aborted signal carries. */
export function abortReason(signal: AbortSignal): Error {
  // isNativeError, not instanceof: errors from Node internals may come from another realm (jest).
  return isNativeError(signal.reason) || signal.reason instanceof Error ? (signal.reason as Error) : new Error(`aborted: ${String(signal.reason)}`);
}
