/**
 * A source of time. Durations are measured on a monotonic clock (`now()`), never on wall time,
 * so that a wall-clock step (NTP, a VM resume, a test offset) cannot shorten or stretch a
 * timeout. Wall time (`wallNow()`) is only for what is written to the API (lease renew times,
 * event timestamps). Everything in kubekit that waits takes a Clock, so tests drive it with
 * `FakeClock` from `kubekit/testing` instead of sleeping.
 */
export interface Clock {
  /** Monotonic milliseconds since an arbitrary origin; never goes backwards. */
  now(): number;
  /** Wall-clock time, for timestamps written to the API. */
  wallNow(): Date;
  /** Runs `fn` once after `ms` monotonic milliseconds. */
  setTimeout(fn: () => void, ms: number): ClockTimer;
  /**
   * Resolves after `ms` monotonic milliseconds, or rejects with the signal's reason as soon as
   * `signal` aborts (the timer is cleared; nothing outlives the signal).
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A pending timer from {@link Clock.setTimeout}; `cancel()` is idempotent. */
export interface ClockTimer {
  cancel(): void;
}

/** The process's real clock: `performance.now()` for durations, `Date` for wall time. */
export const realClock: Clock = {
  now: () => performance.now(),
  wallNow: () => new Date(),
  setTimeout(fn, ms) {
    // Not unref'd: whoever awaits a timer expects the process to live until it fires. Loops
    // that must not hold a process open stop through their AbortSignal instead.
    const handle = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  },
  sleep(ms, signal) {
    return sleepOn(realClock, ms, signal);
  },
};

/** Shared implementation of `sleep` on top of a clock's `setTimeout`. */
export function sleepOn(clock: Pick<Clock, 'setTimeout'>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
