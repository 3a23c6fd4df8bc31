import { LRUCache } from 'lru-cache';
import { type Clock, realClock } from '../common/clock.js';
import { ConfigError } from '../common/errors.js';
import type { QueueKey } from './queue.js';

/**
 * Decides how long an item waits before it is retried (client-go's `RateLimiter`). Limiters see
 * the queue's key for an item, so one limiter works for any item type.
 */
export interface RateLimiter {
  /** How long (ms) `key` should wait now; records one more failure for per-item limiters. */
  when(key: QueueKey): number;
  /** Stops tracking `key` (call on success, or when giving up); its next failure starts afresh. */
  forget(key: QueueKey): void;
  /** How many failures are recorded for `key`. */
  numRequeues(key: QueueKey): number;
}

/** Options of the per-item limiters' failure counts. */
export interface FailureTrackingOptions {
  /**
   * Most keys whose failures are remembered (default 100,000). A controller that never calls
   * `forget` would otherwise grow the map forever; past the cap the key that failed least recently
   * is forgotten, so at worst a long-quiet key restarts its backoff at the base delay.
   */
  maxTrackedItems?: number;
}

const DEFAULT_MAX_TRACKED_ITEMS = 100_000;

/** Failure counts per key, least-recently-failed evicted beyond the cap. */
class FailureCounts {
  private readonly counts: LRUCache<QueueKey, number>;

  constructor(options: FailureTrackingOptions | undefined) {
    const max = options?.maxTrackedItems ?? DEFAULT_MAX_TRACKED_ITEMS;
    if (!Number.isInteger(max) || max < 1) {
      throw new ConfigError(`maxTrackedItems must be a positive integer, got ${max}.`);
    }
    this.counts = new LRUCache<QueueKey, number>({ max });
  }

  /** Records a failure and returns how many failures preceded it. */
  bump(key: QueueKey): number {
    const previous = this.counts.get(key) ?? 0;
    this.counts.set(key, previous + 1);
    return previous;
  }

  get(key: QueueKey): number {
    // peek: asking about a key must not keep it from being evicted.
    return this.counts.peek(key) ?? 0;
  }

  delete(key: QueueKey): void {
    this.counts.delete(key);
  }
}

function requireDuration(name: string, ms: number): void {
  if (!(ms >= 0) || !Number.isFinite(ms)) {
    throw new ConfigError(`${name} must be a finite, non-negative number of milliseconds, got ${ms}.`);
  }
}

/**
 * Per-item exponential backoff: the n-th consecutive failure of a key (counting from 0) waits
 * `min(baseDelayMs * 2^n, maxDelayMs)`. `forget` resets the key. The default controller limiter
 * uses 5 ms → 1000 s.
 */
export class ItemExponentialFailureRateLimiter implements RateLimiter {
  private readonly failures: FailureCounts;

  constructor(
    private readonly baseDelayMs: number,
    private readonly maxDelayMs: number,
    options?: FailureTrackingOptions,
  ) {
    requireDuration('baseDelayMs', baseDelayMs);
    requireDuration('maxDelayMs', maxDelayMs);
    this.failures = new FailureCounts(options);
  }

  when(key: QueueKey): number {
    // 2^1024 is Infinity and 0·Infinity is NaN; past 2^1023 every positive base is capped anyway.
    const exp = Math.min(this.failures.bump(key), 1023);
    return Math.min(this.baseDelayMs * 2 ** exp, this.maxDelayMs);
  }

  forget(key: QueueKey): void {
    this.failures.delete(key);
  }

  numRequeues(key: QueueKey): number {
    return this.failures.get(key);
  }
}

/**
 * Retries quickly a few times, then slowly: the first `maxFastAttempts` failures of a key wait
 * `fastDelayMs`, every later one `slowDelayMs`, until `forget`.
 */
export class ItemFastSlowRateLimiter implements RateLimiter {
  private readonly failures: FailureCounts;

  constructor(
    private readonly fastDelayMs: number,
    private readonly slowDelayMs: number,
    private readonly maxFastAttempts: number,
    options?: FailureTrackingOptions,
  ) {
    requireDuration('fastDelayMs', fastDelayMs);
    requireDuration('slowDelayMs', slowDelayMs);
    if (!Number.isInteger(maxFastAttempts) || maxFastAttempts < 0) {
      throw new ConfigError(`maxFastAttempts must be a non-negative integer, got ${maxFastAttempts}.`);
    }
    this.failures = new FailureCounts(options);
  }

  when(key: QueueKey): number {
    const attempt = this.failures.bump(key) + 1;
    return attempt <= this.maxFastAttempts ? this.fastDelayMs : this.slowDelayMs;
  }

  forget(key: QueueKey): void {
    this.failures.delete(key);
  }

  numRequeues(key: QueueKey): number {
    return this.failures.get(key);
  }
}

/**
 * An overall token bucket shared by all items (golang.org/x/time/rate semantics): it holds up to
 * `burst` tokens, refills at `qps` per second, and starts full.
 *
 * Token per call: every `when` takes a token, whatever the key and whether or not the caller then
 * re-adds the item, and the bucket may go into debt — the returned delay is how long until the
 * debt is repaid. So `burst` calls return 0, and the following ones return 1/qps, 2/qps, … seconds
 * while no time passes. Inside a max-of limiter every `addRateLimited` spends a token even when
 * another limiter's delay dominates. The bucket keeps no per-key state: `forget` does nothing and
 * `numRequeues` is 0.
 */
export class BucketRateLimiter implements RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly clock: Clock = realClock,
  ) {
    if (!(qps > 0) || !Number.isFinite(qps)) {
      throw new ConfigError(`qps must be a finite number greater than 0, got ${qps}.`);
    }
    if (!Number.isInteger(burst) || burst < 1) {
      throw new ConfigError(`burst must be a positive integer, got ${burst}.`);
    }
    this.tokens = burst;
    this.last = clock.now();
  }

  when(_key: QueueKey): number {
    const now = this.clock.now();
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
      this.last = now;
    }
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.qps;
  }

  forget(_key: QueueKey): void {}

  numRequeues(_key: QueueKey): number {
    return 0;
  }
}

/**
 * Combines limiters: `when` asks every one (so each records the failure) and returns the longest
 * delay; `numRequeues` is the largest count; `forget` forgets in all of them. With a token bucket
 * inside, the bucket's burst can appear exceeded for items another limiter delayed longer.
 */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    if (limiters.length === 0) throw new ConfigError('MaxOfRateLimiter needs at least one limiter.');
    this.limiters = limiters;
  }

  when(key: QueueKey): number {
    let max = 0;
    for (const limiter of this.limiters) {
      const delay = limiter.when(key);
      if (delay > max) max = delay;
    }
    return max;
  }

  forget(key: QueueKey): void {
    for (const limiter of this.limiters) limiter.forget(key);
  }

  numRequeues(key: QueueKey): number {
    let max = 0;
    for (const limiter of this.limiters) {
      const n = limiter.numRequeues(key);
      if (n > max) max = n;
    }
    return max;
  }
}

/** Caps another limiter's delay at `maxDelayMs`; failures are still counted by the inner limiter. */
export class WithMaxWaitRateLimiter implements RateLimiter {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly maxDelayMs: number,
  ) {
    requireDuration('maxDelayMs', maxDelayMs);
  }

  when(key: QueueKey): number {
    const delay = this.limiter.when(key);
    return Math.min(delay, this.maxDelayMs);
  }

  forget(key: QueueKey): void {
    this.limiter.forget(key);
  }

  numRequeues(key: QueueKey): number {
    return this.limiter.numRequeues(key);
  }
}

/**
 * client-go's default controller limiter: the max of per-item exponential backoff (5 ms → 1000 s)
 * and an overall 10 qps / burst 100 token bucket. Each call creates fresh state.
 */
export function defaultControllerRateLimiter(clock: Clock = realClock): RateLimiter {
  return new MaxOfRateLimiter(
    new ItemExponentialFailureRateLimiter(5, 1_000_000),
    new BucketRateLimiter(10, 100, clock),
  );
}

/** client-go's default per-item limiter: exponential backoff from 1 ms to 1000 s, no bucket. */
export function defaultItemBasedRateLimiter(): RateLimiter {
  return new ItemExponentialFailureRateLimiter(1, 1_000_000);
}
