/**
 * Waits for a shared promise on behalf of one caller: resolves or rejects with it, or rejects with
 * the signal's reason as soon as `signal` aborts. The shared work itself is not cancelled (other
 * callers may still want it); only this caller stops waiting, and its listener is removed.
 */
export function waitWithSignal<T>(shared: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return shared;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    shared.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
