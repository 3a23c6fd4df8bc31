import type { ClockTimer } from '../common/clock.js';
import { DelayHeap } from './delay-heap.js';
import type { CounterMetric } from './metrics.js';
import { Queue, type QueueArgs, type QueueKey, type QueueOptions, type WorkQueue } from './queue.js';

/** A {@link WorkQueue} that can also add an item after a delay (client-go's `DelayingInterface`). */
export interface DelayingWorkQueue<T> extends WorkQueue<T> {
  /**
   * Adds `item` once `delayMs` milliseconds have passed (at once if `delayMs <= 0`). If the item
   * is already waiting, the earlier of the two ready times wins. Ignored once shutting down.
   */
  addAfter(item: T, delayMs: number): void;
}

interface KeyedItem<T> {
  readonly key: QueueKey;
  readonly item: T;
}

// Node clamps longer timeouts to 1 ms (with a warning), so far-future heads are re-armed in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A {@link Queue} with {@link DelayingWorkQueue.addAfter}.
 *
 * Waiting items live in a min-heap keyed by ready time with one entry per key, and exactly one
 * clock timer is armed, for the heap's head; it is re-armed only when the head moves earlier or
 * fires. There is no per-item timer and no polling. Shutting down (either way) cancels the timer and
 * discards items that are still waiting, so a stopped queue holds no timer.
 */
export class DelayingQueue<T = string> extends Queue<T> implements DelayingWorkQueue<T> {
  // Holds the items themselves when they are their own keys, else {key, item} pairs, so that the
  // timer never calls the user's key function (an exception there would have no caller).
  private readonly waiting: DelayHeap<unknown>;
  private readonly retries: CounterMetric | undefined;
  private timer: ClockTimer | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(...args: QueueArgs<T>) {
    super(...args);
    const opts = (args[0] ?? {}) as QueueOptions<T>;
    this.waiting = new DelayHeap<unknown>(
      this.hasKeyFunction ? (entry) => (entry as KeyedItem<T>).key : (item) => item as QueueKey,
    );
    if (opts.name && opts.metricsProvider) this.retries = opts.metricsProvider.newRetriesMetric(opts.name);
  }

  addAfter(item: T, delayMs: number): void {
    if (this.shuttingDown()) return;
    this.retries?.inc();
    if (!(delayMs > 0)) {
      this.add(item);
      return;
    }
    const readyAt = this.clock.now() + delayMs;
    const key = this.keyFor(item);
    const entry = this.hasKeyFunction ? { key, item } : item;
    if (this.waiting.schedule(key, entry, readyAt) && readyAt < this.timerAt) {
      this.arm(readyAt);
    }
  }

  /** Number of items waiting for their delay to pass (not yet in the queue). */
  waitingLen(): number {
    return this.waiting.pending;
  }

  override shutDown(): void {
    this.stopWaiting();
    super.shutDown();
  }

  override shutDownWithDrain(): Promise<void> {
    this.stopWaiting();
    return super.shutDownWithDrain();
  }

  private stopWaiting(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.waiting.clear();
  }

  private arm(at: number): void {
    this.timer?.cancel();
    this.timerAt = at;
    // Whole milliseconds, rounded up: platform timers have 1 ms resolution, and rounding down
    // would only buy an early wake-up that finds nothing due.
    const delay = Math.min(Math.max(0, Math.ceil(at - this.clock.now())), MAX_TIMER_MS);
    this.timer = this.clock.setTimeout(this.onTimer, delay);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (this.shuttingDown()) return;
    const now = this.clock.now();
    for (;;) {
      const entry = this.waiting.popReady(now);
      if (entry === undefined) break;
      try {
        if (this.hasKeyFunction) {
          const { key, item } = entry as KeyedItem<T>;
          this.addKeyed(key, item);
        } else {
          this.addKeyed(entry as QueueKey, entry as T);
        }
      } catch (err) {
        // Only a throwing metrics provider gets here; this runs on a timer, so the error has no
        // caller to go to, and the remaining items must still be added.
        this.logger.error('workqueue: adding a delayed item failed', { err });
      }
    }
    // A real timer may fire a fraction of a millisecond before the monotonic due time (or a
    // clamped far-future timer long before it); re-arming for the remainder covers both.
    const next = this.waiting.peekTime();
    if (next !== undefined) this.arm(next);
  };
}
