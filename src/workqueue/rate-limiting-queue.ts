import { DelayingQueue, type DelayingWorkQueue } from './delaying-queue.js';
import type { QueueKey, QueueOptions } from './queue.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiters.js';

/** A {@link DelayingWorkQueue} whose retries are paced by a {@link RateLimiter}. */
export interface RateLimitingWorkQueue<T> extends DelayingWorkQueue<T> {
  /** Adds `item` after the delay the rate limiter assigns it (recording one more failure). */
  addRateLimited(item: T): void;
  /**
   * Clears the rate limiter's memory of `item` (on success, or when giving up). It does not
   * remove the item from the queue and does not replace `done`.
   */
  forget(item: T): void;
  /** How many times the rate limiter has seen `item` fail since the last `forget`. */
  numRequeues(item: T): number;
}

/** Options of a {@link RateLimitingQueue}: queue options plus the limiter. */
export type RateLimitingQueueOptions<T> = QueueOptions<T> & {
  /** Default: {@link defaultControllerRateLimiter} on the queue's clock. */
  rateLimiter?: RateLimiter;
};

/** Constructor arguments: options are optional exactly when items are their own keys. */
export type RateLimitingQueueArgs<T> = [T] extends [QueueKey]
  ? [options?: RateLimitingQueueOptions<T>]
  : [options: RateLimitingQueueOptions<T>];

/**
 * The queue controllers use (client-go's `RateLimitingInterface`): a {@link DelayingQueue} plus
 * `addRateLimited`/`forget`/`numRequeues`. Failure counts live in the rate limiter, which sees the
 * item's key; call `forget` after every success or the item's next failure keeps backing off.
 */
export class RateLimitingQueue<T = string> extends DelayingQueue<T> implements RateLimitingWorkQueue<T> {
  /** The limiter pacing `addRateLimited`. */
  readonly rateLimiter: RateLimiter;

  constructor(...args: RateLimitingQueueArgs<T>) {
    const opts = (args[0] ?? {}) as RateLimitingQueueOptions<T>;
    super(...([opts] as unknown as ConstructorParameters<typeof DelayingQueue<T>>));
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter(this.clock);
  }

  addRateLimited(item: T): void {
    // Unlike client-go, a stopped queue does not consult the limiter: no failure is recorded
    // and no bucket token spent for an add that would be dropped anyway.
    if (this.shuttingDown()) return;
    this.addAfter(item, this.rateLimiter.when(this.keyFor(item)));
  }

  forget(item: T): void {
    this.rateLimiter.forget(this.keyFor(item));
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(this.keyFor(item));
  }
}
