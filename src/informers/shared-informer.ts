import type { KubeObject } from '../client/resource-type.js';
import { type Clock, realClock } from '../common/clock.js';
import { ConfigError } from '../common/errors.js';
import { type Logger, silentLogger } from '../common/logger.js';
import { type Delta, DeltaFIFO } from './delta-fifo.js';
import { FIFOClosedError } from './errors.js';
import type {
  HandlerOptions,
  ResourceEventHandler,
  ResourceEventHandlerRegistration,
} from './event-handler.js';
import { deletionHandlingMetaNamespaceKeyFunc, type KeyFunc } from './keys.js';
import type { ListWatch } from './list-watch.js';
import { type InformerErrorSource, InformerMetrics, type InformerMetricsProvider } from './metrics.js';
import { type Notification, ProcessorListener } from './processor-listener.js';
import { Reflector, type ReflectorOptions, type ReflectorStats } from './reflector.js';
import { type Indexer, type Indexers, metaNamespaceIndexFunc, NamespaceIndex, newIndexer } from './store.js';

/** Options of a {@link SharedIndexInformer}. Every field has a documented default. */
export interface SharedIndexInformerOptions<T> {
  /** Name for logs (default: `informer`). */
  name?: string;
  /** Default resync period for handlers that do not set one, and the resync check period (0 = none). */
  resyncPeriodMs?: number;
  /** Extra indexes; the namespace index (`namespace`) is always there. */
  indexers?: Indexers<T>;
  /** Runs once per object inserted (e.g. {@link stripManagedFields}); must be set before `run`. */
  transform?: (obj: T) => T;
  /** Key function (default `namespace/name`, tombstones by their key). */
  keyFunc?: KeyFunc<T>;
  /** Called with every error (watch failures, throwing handlers and transforms). Default: logger warning. */
  onError?: (err: unknown, source: InformerErrorSource) => void;
  /** Reflector settings: page size, watch-list streaming, inactivity timeout, backoff. */
  reflector?: Omit<
    ReflectorOptions,
    'resyncPeriodMs' | 'shouldResync' | 'onError' | 'onStat' | 'clock' | 'logger' | 'name'
  >;
  /**
   * Metrics (lists, relists, watches, events, errors, handler lag and backlog) under this
   * informer's `name`, e.g. `PrometheusInformerMetricsProvider`. Default: none.
   */
  metrics?: InformerMetricsProvider;
  logger?: Logger;
  clock?: Clock;
}

const minimumResyncPeriodMs = 1000;

/**
 * client-go's SharedIndexInformer: one list+watch feeding an indexed cache and any number of
 * event handlers. Guarantees:
 * - the cache (`indexer`) reflects every event before handlers hear of it;
 * - each handler has its own buffer and is called serially; handlers added after start first
 *   get an add for every cached object;
 * - an update whose old and new resourceVersion are equal is a resync and reaches only the
 *   handlers whose resync period is due;
 * - a relist delivers deletions missed while disconnected as tombstones
 *   ({@link DeletedFinalStateUnknown});
 * - nothing stops it but its signal: watch errors, throwing handlers and transforms are
 *   reported to `onError` and it carries on, reconnecting with backoff.
 */
export class SharedIndexInformer<T extends KubeObject> {
  readonly indexer: Indexer<T>;
  private readonly listeners = new Set<ProcessorListener<T>>();
  private readonly listenerRuns = new Map<ProcessorListener<T>, Promise<void>>();
  private fifo: DeltaFIFO<T> | undefined;
  private reflector: Reflector<T> | undefined;
  private metrics: InformerMetrics | undefined;
  private started = false;
  private stopped = false;
  private resyncCheckPeriodMs: number;
  private readonly defaultResyncMs: number;
  private transform: ((obj: T) => T) | undefined;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly name: string;

  constructor(
    private readonly listWatch: ListWatch<T>,
    private readonly options: SharedIndexInformerOptions<T> = {},
  ) {
    this.name = options.name ?? 'informer';
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? silentLogger;
    this.defaultResyncMs = options.resyncPeriodMs ?? 0;
    this.resyncCheckPeriodMs = this.defaultResyncMs;
    this.transform = options.transform;
    this.indexer = newIndexer<T>(options.keyFunc ?? deletionHandlingMetaNamespaceKeyFunc, {
      [NamespaceIndex]: metaNamespaceIndexFunc,
      ...options.indexers,
    });
  }

  /**
   * Registers a handler. Before start it sees the initial list as adds with
   * `isInInitialList = true`; after start it first gets an add for every cached object.
   */
  addEventHandler(
    handler: ResourceEventHandler<T>,
    options: HandlerOptions = {},
  ): ResourceEventHandlerRegistration {
    if (this.stopped) throw new ConfigError(`${this.name}: cannot add a handler to a stopped informer.`);
    let period = options.resyncPeriodMs ?? this.defaultResyncMs;
    if (period > 0 && period < minimumResyncPeriodMs) period = minimumResyncPeriodMs;
    if (period > 0 && period < this.resyncCheckPeriodMs) {
      if (this.started) {
        this.logger.warn(
          `${this.name}: resync period ${period} ms is below the running informer's check period; using ${this.resyncCheckPeriodMs} ms`,
        );
        period = this.resyncCheckPeriodMs;
      } else {
        this.resyncCheckPeriodMs = period;
      }
    } else if (period > 0 && this.resyncCheckPeriodMs === 0 && !this.started) {
      this.resyncCheckPeriodMs = period;
    }
    const listener = new ProcessorListener<T>(
      handler,
      period,
      () => this.hasSynced(),
      (err) => this.report(err, 'handler'),
      this.clock,
    );
    this.listeners.add(listener);
    if (this.started) {
      // Catch the late handler up with the cache; being synchronous, this cannot interleave
      // with delta processing, so it sees each object exactly once before later changes.
      for (const obj of this.indexer.list()) listener.add({ kind: 'add', obj, isInInitialList: true });
      this.listenerRuns.set(listener, listener.run());
    }
    return listener;
  }

  /**
   * Stops delivering to a handler; pending notifications are dropped, a call in progress is
   * let finish (and `run` waits for it before it resolves). Idempotent.
   */
  removeEventHandler(registration: ResourceEventHandlerRegistration): void {
    const listener = registration as ProcessorListener<T>;
    if (!this.listeners.delete(listener)) return;
    listener.stop();
    const running = this.listenerRuns.get(listener);
    if (running) void running.then(() => this.listenerRuns.delete(listener));
  }

  /** Adds indexes; allowed before and after start (existing objects are indexed at once). */
  addIndexers(indexers: Indexers<T>): void {
    this.indexer.addIndexers(indexers);
  }

  /** Sets the transform; only before `run`. */
  setTransform(transform: (obj: T) => T): void {
    if (this.started) throw new ConfigError(`${this.name}: set the transform before starting the informer.`);
    this.transform = transform;
  }

  /** True once the initial list has been delivered into the cache (and popped to handlers' buffers). */
  hasSynced(): boolean {
    return this.fifo?.hasSynced() ?? false;
  }

  /** The resourceVersion the cache is at (last list, event or bookmark). */
  get lastSyncResourceVersion(): string {
    return this.reflector?.lastSyncResourceVersion ?? '';
  }

  /** The reflector's counters (lists, relists, watches, events, errors); zero before start. */
  get stats(): ReflectorStats {
    return this.reflector?.stats ?? { lists: 0, relists: 0, watches: 0, events: 0, bookmarks: 0, errors: 0 };
  }

  /** True while `run` is active. */
  get running(): boolean {
    return this.started && !this.stopped;
  }

  /**
   * Lists, watches and delivers until `signal` aborts, then stops every handler and resolves.
   * Never rejects. Running an informer twice is an error (informers are not restartable).
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.started)
      throw new ConfigError(`${this.name}: an informer runs once; create a new one to run again.`);
    this.started = true;
    const transform = this.transform;
    const fifo = new DeltaFIFO<T>({
      keyFunction: this.options.keyFunc ?? deletionHandlingMetaNamespaceKeyFunc,
      knownObjects: this.indexer,
      ...(transform ? { transformer: transform } : {}),
      // Objects whose key or transform fails: reported, and only that object is dropped.
      onError: (err) => this.report(err, 'queue'),
    });
    this.fifo = fifo;
    const metrics = InformerMetrics.create(this.options.metrics, this.name);
    this.metrics = metrics;
    this.reflector = new Reflector<T>(this.listWatch, fifo, {
      ...this.options.reflector,
      name: this.name,
      clock: this.clock,
      logger: this.logger,
      resyncPeriodMs: this.resyncCheckPeriodMs,
      shouldResync: () => this.shouldResync(),
      onError: (err, phase) => this.report(err, phase),
      ...(metrics ? { onStat: (stat) => metrics.counted(stat) } : {}),
    });
    metrics?.start(this.clock, () => this.listeners);
    for (const listener of this.listeners) this.listenerRuns.set(listener, listener.run());
    const reflecting = this.reflector.run(signal);
    const onAbort = () => fifo.close();
    const process = (deltas: Delta<T>[], isInInitialList: boolean) =>
      this.processDeltas(deltas, isInInitialList);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted) {
        try {
          // No signal per pop: the abort closes the FIFO (onAbort), which ends a waiting pop, and
          // an abort listener added and removed per event costs a few percent of throughput.
          await fifo.pop(process);
        } catch (err) {
          if (err instanceof FIFOClosedError || signal.aborted) break;
          this.report(err, 'process');
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      fifo.close();
      metrics?.stop();
      await reflecting;
      this.stopped = true;
      for (const listener of this.listeners) listener.stop();
      await Promise.all(this.listenerRuns.values());
      this.listenerRuns.clear();
    }
  }

  private processDeltas(deltas: Delta<T>[], isInInitialList: boolean): void {
    for (const delta of deltas) {
      // One delta the indexer rejects (an index function that throws) is reported and skipped;
      // the key's other deltas still reach the cache and the handlers.
      try {
        this.processDelta(delta, isInInitialList);
      } catch (err) {
        this.report(err, 'process');
      }
    }
  }

  private processDelta(delta: Delta<T>, isInInitialList: boolean): void {
    const obj = delta.object;
    if (delta.type === 'Deleted') {
      this.indexer.delete(obj);
      this.distribute({ kind: 'delete', obj }, false);
      return;
    }
    const current = obj as T;
    const old = this.indexer.get(current);
    if (old !== undefined) {
      this.indexer.update(current);
      // Same resourceVersion: nothing changed on the server (a resync, or a relist that found
      // the object as it was), so only handlers due for a resync hear of it.
      const isSync = old.metadata?.resourceVersion === current.metadata?.resourceVersion;
      this.distribute({ kind: 'update', oldObj: old, newObj: current }, isSync);
    } else {
      this.indexer.add(current);
      this.distribute({ kind: 'add', obj: current, isInInitialList }, false);
    }
  }

  private distribute(notification: Notification<T>, isSync: boolean): void {
    for (const listener of this.listeners) {
      if (!isSync || listener.syncing) listener.add(notification);
    }
  }

  // Called by the reflector at each resync tick: marks the handlers that are due and says
  // whether a resync round is needed at all. Handlers not due stay out of this round.
  private shouldResync(): boolean {
    const now = this.clock.now();
    let any = false;
    for (const listener of this.listeners) {
      listener.syncing = listener.resyncDue(now);
      if (listener.syncing) {
        any = true;
        listener.scheduleNextResync();
      }
    }
    return any;
  }

  private report(err: unknown, source: InformerErrorSource): void {
    this.metrics?.error(source);
    try {
      if (this.options.onError) this.options.onError(err, source);
      else this.logger.warn(`${this.name}: ${source} error`, { error: String(err) });
    } catch (handlerError) {
      this.logger.error(`${this.name}: onError threw`, { error: String(handlerError) });
    }
  }
}
