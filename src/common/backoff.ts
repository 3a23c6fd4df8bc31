import type { Clock } from './clock.js';

/** Settings of an exponential backoff with jitter (the reflector's retry delays). */
export interface BackoffOptions {
  /** First delay in ms (client-go's reflector: 800). */
  initialMs: number;
  /** Largest delay in ms (reflector: 30 000). */
  maxMs: number;
  /** Growth per consecutive failure (default 2). */
  factor?: number;
  /** Random extra fraction of each delay, in [0, jitter] (reflector: 1.0). */
  jitter?: number;
  /** After this long without a call to `next()` the delay starts over (reflector: 2 minutes). */
  resetAfterMs: number;
}

/**
 * Exponential backoff with jitter that forgets past failures after a quiet period, like
 * apimachinery's exponential backoff manager: a loop that keeps failing waits longer and longer
 * up to a cap; one that has been healthy for `resetAfterMs` starts again from `initialMs`.
 */
export class Backoff {
  private current = 0;
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: BackoffOptions,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay to wait now, in ms; grows on each call until the reset period passes without one. */
  next(): number {
    const now = this.clock.now();
    if (now - this.lastAt >= this.options.resetAfterMs) this.current = 0;
    this.lastAt = now;
    this.current =
      this.current === 0
        ? this.options.initialMs
        : Math.min(this.options.maxMs, this.current * (this.options.factor ?? 2));
    return this.current * (1 + this.random() * (this.options.jitter ?? 0));
  }

  /** Forgets past failures at once. */
  reset(): void {
    this.current = 0;
  }
}
