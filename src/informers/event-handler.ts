import type { DeletedFinalStateUnknown } from './keys.js';

/**
 * Callbacks for changes an informer sees. Each registration has its own buffer and is called
 * serially — the next call waits until the previous one returned (or the promise it returned
 * settled) —
 * so a slow handler delays only itself. Objects are the informer's cached objects: shared and
 * read-only. A handler that throws (or rejects) is reported through the informer's error
 * handler; delivery carries on.
 */
export interface ResourceEventHandler<T> {
  /** A new object; `isInInitialList` is true while the informer (or a late handler) is catching up with the cache. */
  onAdd?(obj: T, isInInitialList: boolean): unknown;
  /** A changed object; `oldObj === newObj` in content and resourceVersion for a periodic resync. */
  onUpdate?(oldObj: T, newObj: T): unknown;
  /** A deleted object, or a tombstone when the deletion happened while the informer was not watching. */
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): unknown;
}

/** What `addEventHandler` returns: pass it to `removeEventHandler`, or ask it whether it has synced. */
export interface ResourceEventHandlerRegistration {
  /**
   * True once the informer has synced and this handler has been called for every object of
   * the initial list (for a handler added later: every object cached when it was added).
   */
  hasSynced(): boolean;
  /** Notifications queued for this handler and not yet delivered. */
  readonly backlog: number;
  /**
   * How long the oldest notification not yet delivered to this handler has waited, in ms (0
   * when none waits): how far this handler lags behind what the informer has seen.
   */
  lagMs(): number;
}

/** Options of one handler registration. */
export interface HandlerOptions {
  /**
   * How often this handler wants a resync: an `onUpdate(obj, obj)` for every cached object
   * (0 = never, the default). At least 1 s; not less than the informer's own check period once
   * it has started.
   */
  resyncPeriodMs?: number;
}
