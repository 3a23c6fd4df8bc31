import { type Clock, realClock } from '../common/clock.js';
import { isConflict } from './api-error.js';

/** Backoff for {@link retryOnConflict}; the defaults match client-go's `DefaultRetry`. */
export interface ConflictBackoff {
  /** Attempts in all, including the first (default 5). */
  steps?: number;
  /** First wait in ms (default 10). */
  durationMs?: number;
  /** Growth per attempt (default 1: constant). */
  factor?: number;
  /** Random extra fraction of each wait (default 0.1). */
  jitter?: number;
  clock?: Clock;
  signal?: AbortSignal;
}

/**
 * Runs `fn` and, while it fails with a 409 Conflict, runs it again after a short backoff, up to
 * `steps` attempts; `fn` must re-read the object each time (that is the point of the retry).
 * Any other error, or the last conflict, is rethrown unchanged.
 */
export async function retryOnConflict<T>(fn: () => Promise<T>, backoff: ConflictBackoff = {}): Promise<T> {
  const steps = Math.max(1, backoff.steps ?? 5);
  const clock = backoff.clock ?? realClock;
  let wait = backoff.durationMs ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isConflict(err) || attempt >= steps) throw err;
    }
    await clock.sleep(wait * (1 + Math.random() * (backoff.jitter ?? 0.1)), backoff.signal);
    wait *= backoff.factor ?? 1;
  }
}
