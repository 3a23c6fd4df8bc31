import type { Clock } from '../common/clock.js';

/** An AbortSignal that fires when its parent does or after a time limit; `dispose()` when done with it. */
export interface BoundedSignal {
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * A signal that aborts when `parent` aborts (with its reason) or `ms` elapse on `clock` (with a
 * TimeoutError DOMException, like `AbortSignal.timeout`). Timed on the injected clock rather than
 * with `AbortSignal.timeout`, so fake-clock tests control it and it follows monotonic time.
 */
export function boundedSignal(clock: Clock, parent: AbortSignal, ms: number): BoundedSignal {
  const controller = new AbortController();
  const onParent = () => controller.abort(parent.reason);
  if (parent.aborted) {
    onParent();
    return { signal: controller.signal, dispose: () => {} };
  }
  parent.addEventListener('abort', onParent, { once: true });
  const timer = clock.setTimeout(
    () => controller.abort(new DOMException(`no answer within ${Math.round(ms)} ms`, 'TimeoutError')),
    ms,
  );
  return {
    signal: controller.signal,
    dispose() {
      timer.cancel();
      parent.removeEventListener('abort', onParent);
    },
  };
}
