import { Fifo } from '../workqueue/fifo.js';
import { FIFOClosedError, TransformError } from './errors.js';
import {
  computeKey,
  DeletedFinalStateUnknown,
  deletionHandlingMetaNamespaceKeyFunc,
  type KeyFunc,
} from './keys.js';

/**
 * What happened to an object: `Added`/`Updated`/`Deleted` come from watch events, `Replaced`
 * from a relist (the object may or may not have changed), `Sync` from a periodic resync (it did
 * not change).
 */
export type DeltaType = 'Added' | 'Updated' | 'Deleted' | 'Replaced' | 'Sync';

/**
 * One change to one object: its state after the change, or for `Deleted` its last known state
 * (a {@link DeletedFinalStateUnknown} when the delete was inferred by a relist).
 */
export interface Delta<T> {
  type: DeltaType;
  object: T | DeletedFinalStateUnknown<T>;
}

/** What DeltaFIFO needs of the consumer's cache: its keys, and an object by key. */
export interface KeyListerGetter<T> {
  listKeys(): string[];
  getByKey(key: string): T | undefined;
}

/** Options of {@link DeltaFIFO}; all optional. */
export interface DeltaFIFOOptions<T> {
  /** Key of an object; default {@link deletionHandlingMetaNamespaceKeyFunc}. */
  keyFunction?: KeyFunc<T>;
  /**
   * The consumer's cache (the informer's indexer), holding what has been popped. `replace()`
   * infers deletions from it, `resync()` re-emits its objects and `delete()` consults it.
   */
  knownObjects?: KeyListerGetter<T>;
  /**
   * Applied exactly once to every object that enters from outside (`add`, `update`, `delete`
   * of an object, each item of `replace`), before it is queued; must not change the key.
   * Never applied to tombstones or to `Sync` objects: both come from the queue or the
   * consumer's cache, which hold transformed objects already. A throw drops that object for
   * that call and is reported through `onError` as a {@link TransformError}.
   */
  transformer?: (obj: T) => T;
  /**
   * Receives every object rejected by `add`/`update`/`delete`/`replace`: a {@link KeyError} or
   * a {@link TransformError}. The object is dropped, everything else proceeds. Without it,
   * `add`/`update`/`delete` throw the error instead (nothing queued), and `replace` queues
   * everything it can and then throws (the error, or an AggregateError for several).
   */
  onError?: (err: unknown) => void;
}

interface Waiter<T> {
  readonly process: (deltas: Delta<T>[], isInInitialList: boolean) => void;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/**
 * client-go's DeltaFIFO (with `EmitDeltaTypeReplaced` on): a producer/consumer queue of keys,
 * each carrying every change ({@link Delta}) seen for that object since it was last popped. The
 * reflector produces; the informer pops and applies the deltas to its cache (`knownObjects`).
 *
 * Guarantees:
 * - FIFO by first insertion: a key is queued once; more deltas for a queued key are appended
 *   to its list and keep its position.
 * - Two consecutive `Deleted` deltas collapse into one, keeping the one that is not a tombstone
 *   (the older one when neither is; the newer one when both are).
 * - `replace(list)` queues `Replaced` for every listed object and, for every key queued or
 *   known to `knownObjects` but absent from the list, `Deleted` with a
 *   {@link DeletedFinalStateUnknown} carrying the newest queued object, else the known one.
 *   A key whose queued deltas already end with `Deleted` gets no extra tombstone.
 * - `resync()` queues `Sync` only for known keys with nothing queued, so a resync never
 *   overtakes or re-delivers an older state than a pending change.
 * - Every producer method works in O(1) amortised per object; popping is O(1).
 *
 * Producer methods never throw for a bad object when `onError` is set (see
 * {@link DeltaFIFOOptions.onError}). Producing after `close()` is still accepted, as in
 * client-go; pops keep draining until the queue is empty.
 */
export class DeltaFIFO<T> {
  private readonly items = new Map<string, Delta<T>[]>();
  private readonly queue = new Fifo<string>();
  private readonly waiters = new Fifo<Waiter<T>>();
  private readonly keyFunc: KeyFunc<T>;
  private readonly knownObjects: KeyListerGetter<T> | undefined;
  private readonly transformer: ((obj: T) => T) | undefined;
  private readonly onError: ((err: unknown) => void) | undefined;
  private populated = false;
  private initialPopulationCount = 0;
  private closedFlag = false;
  private serveScheduled = false;
  private syncRV = '';

  constructor(options: DeltaFIFOOptions<T> = {}) {
    this.keyFunc = options.keyFunction ?? deletionHandlingMetaNamespaceKeyFunc;
    this.knownObjects = options.knownObjects;
    this.transformer = options.transformer;
    this.onError = options.onError;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** Number of keys with queued deltas. */
  get length(): number {
    return this.items.size;
  }

  /** The resourceVersion passed to the latest `replace()`; '' before the first. */
  get lastSyncResourceVersion(): string {
    return this.syncRV;
  }

  /** Queues an `Added` delta for `obj`. */
  add(obj: T): void {
    this.populated = true;
    this.ingest('Added', obj, this.failFast);
  }

  /** Queues an `Updated` delta for `obj`. */
  update(obj: T): void {
    this.populated = true;
    this.ingest('Updated', obj, this.failFast);
  }

  /**
   * Queues a `Deleted` delta for `obj`, unless its key is neither queued nor known to
   * `knownObjects` (without `knownObjects`: not queued) — then the delete was already reported,
   * typically as a tombstone by a relist, and is dropped as client-go drops it.
   */
  delete(obj: T): void {
    this.populated = true;
    let key: string;
    try {
      key = computeKey(this.keyFunc, obj);
    } catch (err) {
      this.failFast(err);
      return;
    }
    if (!this.items.has(key)) {
      if (this.knownObjects === undefined || this.knownObjects.getByKey(key) === undefined) return;
    }
    if (obj instanceof DeletedFinalStateUnknown) {
      this.append(key, { type: 'Deleted', object: obj });
      return;
    }
    const transformed = this.transform(key, obj, this.failFast);
    if (transformed.ok) this.append(key, { type: 'Deleted', object: transformed.value });
  }

  /**
   * Applies the transform to an item that a producer will pass to {@link replace} with
   * `early`, as soon as it likes (the Reflector does it while a list is decoded, so the
   * untransformed objects are garbage at once instead of all being held until the list ends).
   * When the transform throws, the item is returned unchanged and added to `failed`: `replace`
   * then transforms it again and reports the error the usual way.
   */
  transformEarly(obj: T, failed: Set<T>): T {
    if (this.transformer === undefined) return obj;
    try {
      return this.transformer(obj);
    } catch {
      failed.add(obj);
      return obj;
    }
  }

  /**
   * A relist: queues `Replaced` for every item and tombstones for keys that disappeared (see
   * the class guarantees). Items whose key or transform fails are reported and skipped; a
   * skipped item whose key is known still counts as listed, so it is not tombstoned.
   * The first call (unless add/update/delete came first) defines the initial population that
   * {@link hasSynced} waits for: every key it leaves queued.
   * With `early`, the items went through {@link transformEarly} and are not transformed again,
   * except those in `early.failed`.
   */
  replace(items: T[], resourceVersion: string, early?: { failed: ReadonlySet<T> }): void {
    const errors: unknown[] = [];
    const collect = (err: unknown) => {
      if (this.onError) this.onError(err);
      else errors.push(err);
    };
    // With nothing queued beforehand, every queued key below comes from the list itself and
    // the scan for vanished queued keys can be skipped (the common first list).
    const hadQueued = this.items.size > 0;
    const listed = new Set<string>();
    for (const item of items) {
      let key: string;
      try {
        key = computeKey(this.keyFunc, item);
      } catch (err) {
        collect(err);
        continue;
      }
      listed.add(key);
      if (early && !early.failed.has(item)) {
        this.append(key, { type: 'Replaced', object: item });
        continue;
      }
      const transformed = this.transform(key, item, collect);
      if (transformed.ok) this.append(key, { type: 'Replaced', object: transformed.value });
    }

    // Queued keys that are gone: the tombstone carries the newest state we have queued, which
    // is newer than whatever the consumer's cache holds (kubernetes#115658).
    if (hadQueued) {
      for (const [key, deltas] of this.items) {
        if (listed.has(key)) continue;
        const newest = deltas[deltas.length - 1]!;
        if (newest.type === 'Deleted') continue;
        this.append(key, { type: 'Deleted', object: new DeletedFinalStateUnknown(key, newest.object as T) });
      }
    }

    if (this.knownObjects !== undefined) {
      for (const key of this.knownObjects.listKeys()) {
        if (listed.has(key) || this.items.has(key)) continue;
        const known = this.knownObjects.getByKey(key);
        // A key the store lists but cannot return has nothing to carry in a tombstone.
        if (known === undefined) continue;
        this.append(key, { type: 'Deleted', object: new DeletedFinalStateUnknown(key, known) });
      }
    }

    this.syncRV = resourceVersion;
    if (!this.populated) {
      this.populated = true;
      // Count distinct queued keys, not list items (duplicates would never be popped twice,
      // kubernetes#96797). Only a resync can have queued keys before this; they sit ahead of
      // the list in the queue, so counting them too still means "up to the list's last key".
      this.initialPopulationCount = this.items.size;
    }

    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} objects could not be queued`);
  }

  /**
   * Queues a `Sync` delta (with the known object as is) for every key of `knownObjects` that
   * has nothing queued. A no-op without `knownObjects`.
   */
  resync(): void {
    const known = this.knownObjects;
    if (known === undefined) return;
    for (const key of known.listKeys()) {
      if (this.items.has(key)) continue;
      const obj = known.getByKey(key);
      if (obj === undefined) continue;
      this.append(key, { type: 'Sync', object: obj });
    }
  }

  /**
   * Waits for the next key with deltas (FIFO by first insertion), removes it and calls
   * `process(deltas, isInInitialList)` synchronously; resolves after `process` returns.
   * `isInInitialList` is true for keys queued by the first `replace()` until they are popped.
   *
   * Rejects with {@link FIFOClosedError} once the FIFO is closed and empty. If `process`
   * throws, the promise rejects with that error and the deltas are not re-queued (the informer
   * does not requeue). If `signal` aborts while waiting, rejects with its reason and consumes
   * nothing. Concurrent pops are served in call order. `process` must be synchronous: a
   * returned promise is not awaited.
   */
  pop(process: (deltas: Delta<T>[], isInInitialList: boolean) => void, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.queue.length > 0 && this.waiters.length === 0) {
      try {
        this.popOne(process);
        return Promise.resolve();
      } catch (err) {
        return Promise.reject(err);
      }
    }
    if (this.closedFlag && this.queue.length === 0) return Promise.reject(new FIFOClosedError());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter<T> = {
        process,
        resolve,
        reject,
        signal,
        onAbort: () => {
          if (this.waiters.remove(waiter)) reject(signal!.reason);
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      // Items may be queued while earlier waiters are being served.
      if (this.queue.length > 0) this.scheduleServe();
    });
  }

  /**
   * True once the initial population has been delivered: the first `replace()` (or an
   * add/update/delete before any replace) happened and every key it queued has been popped and
   * processed.
   */
  hasSynced(): boolean {
    return this.populated && this.initialPopulationCount === 0;
  }

  /**
   * Closes the FIFO: pops drain what is queued, then reject with {@link FIFOClosedError}
   * (waiting pops at once if nothing is queued). Idempotent.
   */
  close(): void {
    this.closedFlag = true;
    if (this.queue.length === 0) this.rejectWaiters();
  }

  /** Queued keys in pop order, in a fresh array. */
  listKeys(): string[] {
    // The map's insertion order is the queue's order: a key enters both when first queued and
    // leaves both when popped.
    return Array.from(this.items.keys());
  }

  /** A copy of the deltas queued for `key` (oldest first), or undefined if none. */
  getByKey(key: string): Delta<T>[] | undefined {
    const deltas = this.items.get(key);
    return deltas === undefined ? undefined : deltas.slice();
  }

  private readonly failFast = (err: unknown): void => {
    if (this.onError) this.onError(err);
    else throw err;
  };

  private ingest(type: 'Added' | 'Updated', obj: T, fail: (err: unknown) => void): void {
    let key: string;
    try {
      key = computeKey(this.keyFunc, obj);
    } catch (err) {
      fail(err);
      return;
    }
    const transformed = this.transform(key, obj, fail);
    if (transformed.ok) this.append(key, { type, object: transformed.value });
  }

  private transform(
    key: string,
    obj: T,
    fail: (err: unknown) => void,
  ): { ok: true; value: T } | { ok: false } {
    if (this.transformer === undefined) return { ok: true, value: obj };
    try {
      return { ok: true, value: this.transformer(obj) };
    } catch (err) {
      fail(new TransformError(key, { cause: err }));
      return { ok: false };
    }
  }

  private append(key: string, delta: Delta<T>): void {
    const deltas = this.items.get(key);
    if (deltas === undefined) {
      this.items.set(key, [delta]);
      this.queue.push(key);
      if (this.waiters.length > 0) this.scheduleServe();
      return;
    }
    const last = deltas[deltas.length - 1]!;
    if (delta.type === 'Deleted' && last.type === 'Deleted') {
      // Keep the delete that carries the real final state; between two tombstones the newer
      // one knows at least as much.
      if (last.object instanceof DeletedFinalStateUnknown) deltas[deltas.length - 1] = delta;
      return;
    }
    deltas.push(delta);
  }

  private popOne(process: (deltas: Delta<T>[], isInInitialList: boolean) => void): void {
    const key = this.queue.shift()!;
    const deltas = this.items.get(key)!;
    this.items.delete(key);
    const isInInitialList = !this.hasSynced();
    try {
      process(deltas, isInInitialList);
    } finally {
      // Counted after processing, so hasSynced() turns true only once the consumer has applied
      // the last initial key.
      if (this.initialPopulationCount > 0) this.initialPopulationCount--;
    }
  }

  // Waiters are served from a microtask rather than inside add(): the producer's call returns
  // before any consumer code runs, and one microtask serves every waiter that can be served.
  private scheduleServe(): void {
    if (this.serveScheduled) return;
    this.serveScheduled = true;
    queueMicrotask(() => {
      this.serveScheduled = false;
      this.serveWaiters();
    });
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0 && this.queue.length > 0) {
      const waiter = this.waiters.shift()!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      try {
        this.popOne(waiter.process);
        waiter.resolve();
      } catch (err) {
        waiter.reject(err);
      }
    }
    if (this.closedFlag && this.queue.length === 0) this.rejectWaiters();
  }

  private rejectWaiters(): void {
    while (this.waiters.length > 0) {
      const waiter = this.waiters.shift()!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.reject(new FIFOClosedError());
    }
  }
}
