import { type Clock, realClock } from '../common/clock.js';

/** Anything with a `hasSynced()`: informers and handler registrations. */
export interface Syncable {
  hasSynced(): boolean;
}

/**
 * Resolves `true` once every given informer or registration has synced, or `false` if `signal`
 * aborts first (like client-go's WaitForCacheSync). Polls every 100 ms, as client-go does.
 */
export async function waitForCacheSync(
  signal: AbortSignal,
  syncables: Syncable[],
  options: { pollMs?: number; clock?: Clock } = {},
): Promise<boolean> {
  const clock = options.clock ?? realClock;
  for (;;) {
    if (syncables.every((s) => s.hasSynced())) return true;
    if (signal.aborted) return false;
    try {
      await clock.sleep(options.pollMs ?? 100, signal);
    } catch {
      return false;
    }
  }
}
