import { type Clock, type ClockTimer, realClock } from '../common/clock.js';
import { type Logger, silentLogger } from '../common/logger.js';
import { Fifo } from './fifo.js';
import { type MetricsProvider, QueueMetricsRecorder, UNFINISHED_WORK_UPDATE_PERIOD_MS } from './metrics.js';

/** What identifies an item in a queue: two items with equal keys (SameValueZero) are the same work. */
export type QueueKey = string | number;

/**
 * The result of {@link WorkQueue.get}: an item to process (then call `done(item)`), or
 * `shutdown: true` when the queue is shut down and has nothing left to hand out.
 */
export type GetResult<T> =
  | { readonly item: T; readonly shutdown: false }
  | { readonly item: undefined; readonly shutdown: true };

/** Options shared by every queue constructor. */
export interface BaseQueueOptions {
  /** Queue name; metrics are recorded only for a named queue with a `metricsProvider`. */
  name?: string;
  /** Where metrics go (for example a {@link PrometheusMetricsProvider}). */
  metricsProvider?: MetricsProvider;
  /** Time source for delays and metrics (default `realClock`; tests pass a `FakeClock`). */
  clock?: Clock;
  /** Where background failures (a throwing metrics provider) are reported. Silent by default. */
  logger?: Logger;
}

/**
 * Queue options. Items that are strings or numbers are their own key; any other item type needs
 * `keyOf`, which maps an item to the key that deduplicates it (for example `ns/name`).
 */
export type QueueOptions<T> = BaseQueueOptions &
  ([T] extends [QueueKey] ? { keyOf?: (item: T) => QueueKey } : { keyOf: (item: T) => QueueKey });

/** Constructor arguments: options are optional exactly when items are their own keys. */
export type QueueArgs<T> = [T] extends [QueueKey] ? [options?: QueueOptions<T>] : [options: QueueOptions<T>];

/**
 * The work queue contract (client-go's `workqueue.Interface`).
 *
 * Guarantees:
 * - an item is never handed to two callers of `get` at once: until `done(item)` it is
 *   "processing", and adding it again only marks it dirty;
 * - an item added (once or many times) while processing is handed out exactly once more after
 *   `done`;
 * - an item added many times while waiting is queued once, at its first position (FIFO order of
 *   first add), so a steady stream of duplicates does not grow the queue;
 * - after `shutDown`, adds are ignored, `get` keeps handing out what is queued and then reports
 *   `shutdown: true`;
 * - with a key function, the value handed out for a key is the first one added since the key was
 *   last handed out.
 */
export interface WorkQueue<T> {
  /** Marks `item` as needing processing. Ignored once the queue is shutting down. */
  add(item: T): void;
  /** Number of items waiting to be handed out (not counting items being processed). */
  len(): number;
  /**
   * Resolves with the next item, waiting if none is queued; resolves `shutdown: true` once the
   * queue is shut down and empty. Rejects with the signal's reason if `signal` aborts first, or is
   * already aborted (then nothing is taken, even if items are queued).
   */
  get(signal?: AbortSignal): Promise<GetResult<T>>;
  /** Ends processing of `item`; re-queues it if it was added meanwhile. Unknown items are ignored. */
  done(item: T): void;
  /** Stops accepting items and wakes idle getters with `shutdown: true`. Idempotent. */
  shutDown(): void;
  /**
   * Like {@link shutDown}, but resolves only when every queued and in-flight item has been
   * processed and marked done (workers must keep calling `get`/`done`). A later `shutDown()`
   * resolves it early.
   */
  shutDownWithDrain(): Promise<void>;
  /** True once `shutDown` or `shutDownWithDrain` has been called. */
  shuttingDown(): boolean;
}

type Waiter<T> = (result: GetResult<T>) => void;

/** A key the queue knows about: dirty, processing, or both. */
interface Entry<T> {
  readonly key: QueueKey;
  /** The item to hand out next: the first one added since the key was last handed out. */
  item: T;
  state: number;
}

const SHUTDOWN: GetResult<never> = Object.freeze({ item: undefined, shutdown: true as const });
const SHUTDOWN_PROMISE = Promise.resolve(SHUTDOWN);

// Where a known key is. A key without an entry is clean and idle.
/** Dirty and waiting in the FIFO. */
const QUEUED = 1;
/** Handed out, not yet done. */
const PROCESSING = 2;
/** Handed out, and added again since: goes back into the FIFO on done. */
const PROCESSING_DIRTY = 3;

/**
 * The deduplicating FIFO work queue. See {@link WorkQueue} for the guarantees.
 *
 * client-go keeps a `dirty` set, a `processing` set and a FIFO of items. Here the two sets are
 * folded into one map from key to a small entry (its state — queued, processing, or processing and
 * dirty — and the item to hand out), and the FIFO, a ring buffer, holds entries; an item then
 * costs four hash operations (an add's lookup and insert, a done's lookup and delete) instead of
 * eight. An add that finds an idle getter hands the item over directly instead of queueing it.
 */
export class Queue<T = string> implements WorkQueue<T> {
  protected readonly clock: Clock;
  protected readonly logger: Logger;
  private readonly keyOf: ((item: T) => QueueKey) | undefined;
  private readonly fifo = new Fifo<Entry<T>>();
  private readonly state = new Map<QueueKey, Entry<T>>();
  private processingCount = 0;
  private readonly waiters = new Fifo<Waiter<T>>();
  private readonly metrics: QueueMetricsRecorder<QueueKey> | undefined;
  private drainers: (() => void)[] = [];
  private stopping = false;
  private metricsTimer: ClockTimer | undefined;

  constructor(...[options]: QueueArgs<T>) {
    const opts: QueueOptions<T> = options ?? ({} as QueueOptions<T>);
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? silentLogger;
    this.keyOf = opts.keyOf;
    if (opts.name && opts.metricsProvider) {
      this.metrics = new QueueMetricsRecorder(opts.metricsProvider, opts.name, this.clock);
      this.scheduleUnfinishedWorkUpdate();
    }
  }

  add(item: T): void {
    this.addKeyed(this.keyOf === undefined ? (item as QueueKey) : this.keyOf(item), item);
  }

  /** {@link add} for a caller that already knows the item's key. */
  protected addKeyed(key: QueueKey, item: T): void {
    if (this.stopping) return;
    const entry = this.state.get(key);
    if (entry === undefined) {
      this.metrics?.added(key);
      if (this.waiters.length > 0) {
        this.state.set(key, { key, item, state: PROCESSING });
        this.handOff(key, item);
        return;
      }
      const e: Entry<T> = { key, item, state: QUEUED };
      this.state.set(key, e);
      this.fifo.push(e);
    } else if (entry.state === PROCESSING) {
      this.metrics?.added(key);
      entry.state = PROCESSING_DIRTY;
      entry.item = item;
    }
    // QUEUED or PROCESSING_DIRTY: already dirty, nothing to do.
  }

  len(): number {
    return this.fifo.length;
  }

  get(signal?: AbortSignal): Promise<GetResult<T>> {
    // An aborted caller must not take an item it will never mark done.
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.fifo.length > 0) return Promise.resolve(this.take());
    if (this.stopping) return SHUTDOWN_PROMISE;
    if (signal === undefined) {
      return new Promise<GetResult<T>>((resolve) => this.waiters.push(resolve));
    }
    return new Promise<GetResult<T>>((resolve, reject) => {
      const onAbort = () => {
        this.waiters.remove(waiter);
        reject(signal.reason);
      };
      const waiter: Waiter<T> = (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  done(item: T): void {
    const key = this.keyOf === undefined ? (item as QueueKey) : this.keyOf(item);
    const entry = this.state.get(key);
    if (entry === undefined) return;
    if (entry.state === PROCESSING) {
      this.state.delete(key);
      this.processingCount--;
      this.metrics?.done(key);
      if (this.processingCount === 0 && this.fifo.length === 0 && this.drainers.length > 0) {
        this.resolveDrainers();
      }
    } else if (entry.state === PROCESSING_DIRTY) {
      this.processingCount--;
      this.metrics?.done(key);
      if (this.waiters.length > 0) {
        entry.state = PROCESSING;
        this.handOff(key, entry.item);
      } else {
        entry.state = QUEUED;
        this.fifo.push(entry);
      }
    }
    // Otherwise the item is not processing (a double done): re-queueing a dirty item here could
    // put it in two workers' hands, so the call is ignored.
  }

  shutDown(): void {
    this.beginShutdown();
    this.resolveDrainers();
  }

  shutDownWithDrain(): Promise<void> {
    this.beginShutdown();
    if (this.processingCount === 0 && this.fifo.length === 0) {
      this.resolveDrainers();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.drainers.push(resolve));
  }

  shuttingDown(): boolean {
    return this.stopping;
  }

  private beginShutdown(): void {
    if (!this.stopping) {
      this.stopping = true;
      this.metricsTimer?.cancel();
      this.metricsTimer = undefined;
    }
    // Idle getters exist only while the FIFO is empty, so there is nothing left for them.
    while (this.waiters.length > 0) this.waiters.shift()!(SHUTDOWN);
  }

  private resolveDrainers(): void {
    const drainers = this.drainers;
    this.drainers = [];
    for (const resolve of drainers) resolve();
  }

  private take(): GetResult<T> {
    const entry = this.fifo.shift()!;
    entry.state = PROCESSING;
    this.processingCount++;
    this.metrics?.got(entry.key);
    return { item: entry.item, shutdown: false };
  }

  /** Hands a key that the caller already marked PROCESSING to the longest-waiting getter. */
  private handOff(key: QueueKey, item: T): void {
    this.processingCount++;
    this.metrics?.got(key);
    this.waiters.shift()!({ item, shutdown: false });
  }

  /** True when items are mapped to keys by a key function (rather than being keys). */
  protected get hasKeyFunction(): boolean {
    return this.keyOf !== undefined;
  }

  /** The key that deduplicates `item`. */
  protected keyFor(item: T): QueueKey {
    return this.keyOf === undefined ? (item as QueueKey) : this.keyOf(item);
  }

  private scheduleUnfinishedWorkUpdate(): void {
    this.metricsTimer = this.clock.setTimeout(() => {
      if (this.stopping) return;
      try {
        this.metrics?.updateUnfinishedWork();
      } catch (err) {
        this.logger.warn('workqueue: updating unfinished-work metrics failed', { err });
      }
      this.scheduleUnfinishedWorkUpdate();
    }, UNFINISHED_WORK_UPDATE_PERIOD_MS);
  }
}
