import { EventEmitter } from 'eventemitter3';
import { ResourceClient } from '../client/resource-client.js';
import type { KubeObject } from '../client/resource-type.js';
import { type Clock, realClock } from '../common/clock.js';
import { ConfigError } from '../common/errors.js';
import { type Logger, silentLogger } from '../common/logger.js';
import type { ResourceEventHandler, ResourceEventHandlerRegistration } from './event-handler.js';
import { DeletedFinalStateUnknown } from './keys.js';
import { type ListWatch, listWatchFor } from './list-watch.js';
import type { InformerErrorSource, InformerMetricsProvider } from './metrics.js';
import { SharedIndexInformer, type SharedIndexInformerOptions } from './shared-informer.js';
import { waitForCacheSync } from './wait-for-cache-sync.js';

/**
 * The events of a {@link ClientNodeInformer} and the arguments their listeners get, typed for
 * eventemitter3. `change` is not an event of its own: `on('change', cb)` registers `cb` for
 * `add`, `update` and `delete`, as `@kubernetes/client-node` does.
 */
export interface ClientNodeInformerEvents<T> {
  /** An object the informer had not reported before. */
  add: [obj: T];
  /** A reported object changed (its resourceVersion differs); `oldObj` is the state last reported. */
  update: [obj: T, oldObj: T];
  /** A reported object is gone: its final state, or the last known one if the deletion was missed. */
  delete: [obj: T];
  /** Something went wrong and is being retried (informational; the informer keeps running). */
  error: [err: unknown, source: InformerErrorSource];
  /** A watch request was started (owned informer), or the cache was delivered (existing informer). */
  connect: [];
}

/** The callback of `add`, `update`, `delete` and `change`: client-node's `ObjectCallback`. */
export type ClientNodeObjectCallback<T> = (obj: T) => void;

/** The callback of `error`: client-node's `ErrorCallback`, plus where the error came from. */
export type ClientNodeErrorCallback = (err: unknown, source: InformerErrorSource) => void;

/** The event names `on`/`off` accept, client-node's verbs. */
export type ClientNodeInformerVerb = 'add' | 'update' | 'change' | 'delete' | 'error' | 'connect';

/** Settings of the informer a {@link ClientNodeInformer} creates for a ResourceClient or ListWatch. */
export type ClientNodeOwnedInformerOptions<T> = Pick<
  SharedIndexInformerOptions<T>,
  'name' | 'transform' | 'indexers' | 'reflector' | 'metrics' | 'logger' | 'clock'
>;

/** Options of {@link makeClientNodeInformer}. */
export interface ClientNodeInformerOptions<T> {
  /** Watch only objects with these labels (ResourceClient source only; default: all). */
  labelSelector?: string;
  /** Watch only objects whose fields match (ResourceClient source only; default: all). */
  fieldSelector?: string;
  /**
   * Settings of the informer the facade creates (ResourceClient or ListWatch source only): name,
   * transform, indexers, reflector (backoff, page size, watch-list), metrics, logger, clock. An
   * existing informer keeps the settings it was made with.
   */
  informer?: ClientNodeOwnedInformerOptions<T>;
  /**
   * Where errors go that no `error` listener takes, and errors thrown by `error` listeners
   * themselves (default: silent).
   */
  logger?: Logger;
  /** Clock of the wait for the initial sync (default: the informer's clock, else the real one). */
  clock?: Clock;
}

const objectVerbs = new Set(['add', 'update', 'delete']);
const verbs = new Set<string>(['add', 'update', 'change', 'delete', 'error', 'connect']);

/** One start()…stop() of the facade. */
interface Run<T extends KubeObject> {
  readonly informer: SharedIndexInformer<T>;
  readonly stop: AbortController;
  registration?: ResourceEventHandlerRegistration;
  /** The owned informer's run; undefined for an existing informer. */
  running?: Promise<void>;
  started: Promise<void>;
}

/**
 * `@kubernetes/client-node`'s `Informer` and `ObjectCache` over kubekit's
 * {@link SharedIndexInformer}: the same verbs (`add`, `update`, `change`, `delete`, `error`,
 * `connect`), `on`/`off`, `start`/`stop`, `list(namespace?)`/`get(name, namespace?)`, so code
 * written for `makeInformer` runs with few changes. Make one with {@link makeClientNodeInformer}.
 *
 * Guarantees:
 * - callbacks run in the order the informer saw the changes, one at a time; `update` only when
 *   the resourceVersion changed (never for a resync); `delete` always gets an object, never a
 *   {@link DeletedFinalStateUnknown} — a deletion missed while disconnected reports the last
 *   state the cache knew, as client-node does;
 * - a callback that throws (or returns a promise that rejects) is reported as an `error` event
 *   with source `handler`; the other callbacks of that event and later events are still called;
 * - `list()` and `get()` answer from the state the callbacks have been told about, so inside an
 *   `add` callback `get()` finds the object and after a `delete` it does not;
 * - errors do not stop it. Where client-node's informer stops on an error and waits for you to
 *   call `start()` again, kubekit's reflector retries by itself (800 ms doubling to 30 s, with
 *   jitter) and relists when it must: `error` is informational and the informer keeps running.
 *   Calling `start()` from an `error` listener, as client-node code does, is harmless (it is a
 *   no-op while running);
 * - `stop()` then `start()` resumes: objects unchanged in between are not reported again, changed
 *   ones are reported as `update`, vanished ones as `delete`, new ones as `add`.
 *
 * Differences from client-node: `off(verb, cb)` removes every registration of `cb` for that verb
 * (eventemitter3's rule; client-node removes one); `update` listeners also get the previous
 * object as a second argument and `error` listeners the error's source. Objects are the
 * informer's cached objects: shared and read-only, copy before changing them.
 */
export class ClientNodeInformer<T extends KubeObject> {
  private readonly emitter = new EventEmitter<ClientNodeInformerEvents<T>>();
  /** What the callbacks have been told: namespace ('' when cluster-scoped) → name → object. */
  private readonly objects = new Map<string, Map<string, T>>();
  /** Keys reported before a restart that the new run has not confirmed yet. */
  private readonly unconfirmed = new Set<string>();
  private active: Run<T> | undefined;
  private last: SharedIndexInformer<T> | undefined;
  private readonly logger: Logger;

  /** Use {@link makeClientNodeInformer}. */
  constructor(
    private readonly source: ListWatch<T> | SharedIndexInformer<T>,
    private readonly options: ClientNodeInformerOptions<T> = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    if (source instanceof SharedIndexInformer) this.last = source;
  }

  /**
   * Registers `cb` for `verb`: `add`, `update`, `delete`, `change` (all three), `error` or
   * `connect`. Listeners registered after start hear of later changes only.
   *
   * @throws ConfigError for any other verb.
   */
  on(verb: 'update', cb: (obj: T, oldObj: T) => void): void;
  on(verb: 'add' | 'update' | 'delete' | 'change', cb: ClientNodeObjectCallback<T>): void;
  on(verb: 'error', cb: ClientNodeErrorCallback): void;
  on(verb: 'connect', cb: () => void): void;
  on(verb: ClientNodeInformerVerb, cb: (...args: never[]) => void): void {
    for (const event of eventsOf(verb)) this.emitter.on(event, cb as () => void);
  }

  /**
   * Removes `cb` from `verb` (from `add`, `update` and `delete` for `change`). Removing a
   * callback that is not registered does nothing.
   *
   * @throws ConfigError for an unknown verb.
   */
  off(verb: 'update', cb: (obj: T, oldObj: T) => void): void;
  off(verb: 'add' | 'update' | 'delete' | 'change', cb: ClientNodeObjectCallback<T>): void;
  off(verb: 'error', cb: ClientNodeErrorCallback): void;
  off(verb: 'connect', cb: () => void): void;
  off(verb: ClientNodeInformerVerb, cb: (...args: never[]) => void): void {
    for (const event of eventsOf(verb)) this.emitter.off(event, cb as () => void);
  }

  /**
   * Starts listing and watching (for an existing informer: starts listening to it). Resolves once
   * every object of the initial list has been reported through `add` (so `list()` holds them), or
   * when `stop()` is called first. It does not reject on API errors: those are `error` events while
   * the informer retries, so against a resource you may not list it waits until you may or until
   * `stop()`. While running, calling it again returns the same promise.
   *
   * @throws ConfigError (as a rejection) when the existing informer it listens to has stopped.
   */
  start(): Promise<void> {
    if (this.active) return this.active.started;
    const stop = new AbortController();
    const owned = !(this.source instanceof SharedIndexInformer);
    const run: Run<T> = owned
      ? this.own(stop)
      : { informer: this.source as SharedIndexInformer<T>, stop, started: Promise.resolve() };
    try {
      // Resync period 0: client-node reports no resyncs, and an existing informer's default
      // period must not make this handler hear of them.
      run.registration = run.informer.addEventHandler(this.handlerFor(run), { resyncPeriodMs: 0 });
    } catch (err) {
      return Promise.reject(err);
    }
    this.active = run;
    // Everything the callbacks were told must be confirmed by this run, or it is a deletion.
    this.unconfirmed.clear();
    for (const [namespace, byName] of this.objects)
      for (const name of byName.keys()) this.unconfirmed.add(keyOf(namespace, name));
    if (owned) run.running = run.informer.run(stop.signal);
    const clock = this.options.clock ?? this.options.informer?.clock ?? realClock;
    run.started = waitForCacheSync(stop.signal, [run.registration], { clock }).then((synced) => {
      if (!synced || this.active !== run) return;
      this.reportUnconfirmed();
      if (!owned) this.emit('connect');
    });
    return run.started;
  }

  /**
   * Stops: from the moment it is called no `add`, `update`, `delete` or `connect` callback runs
   * (an `error` can still report a promise an earlier callback returned). An informer the facade
   * created stops listing and watching, and the promise resolves once it has closed its
   * connections; an existing informer keeps running for its other users and only this facade
   * stops listening. The cache (`list`, `get`) keeps the last state reported. Idempotent.
   */
  async stop(): Promise<void> {
    const run = this.active;
    if (!run) return;
    this.active = undefined;
    run.stop.abort();
    if (run.registration) run.informer.removeEventHandler(run.registration);
    await run.running;
    await run.started;
  }

  /** The object named `name` in `namespace` (a cluster-scoped one without a namespace), if reported. */
  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(namespace || '')?.get(name);
  }

  /** Every reported object, or those of one namespace; a new array each call. */
  list(namespace?: string): ReadonlyArray<T> {
    if (namespace) return [...(this.objects.get(namespace)?.values() ?? [])];
    const all: T[] = [];
    for (const byName of this.objects.values()) for (const obj of byName.values()) all.push(obj);
    return all;
  }

  /** The resourceVersion the informer is at (last list, event or bookmark); '' before start. */
  latestResourceVersion(): string {
    return this.last?.lastSyncResourceVersion ?? '';
  }

  /**
   * The kubekit informer underneath (for an owned one: that of the latest start, undefined before
   * the first), for moving code over piece by piece: listers, indexes, `Controller.for`.
   */
  get informer(): SharedIndexInformer<T> | undefined {
    return this.last;
  }

  private own(stop: AbortController): Run<T> {
    const settings = this.options.informer ?? {};
    const run: Run<T> = {
      stop,
      started: Promise.resolve(),
      informer: new SharedIndexInformer<T>(this.source as ListWatch<T>, {
        ...settings,
        logger: settings.logger ?? this.logger,
        onError: (err, source) => {
          if (this.active === run) this.reportError(err, source);
        },
        metrics: watchesHook(settings.metrics, () => {
          if (this.active === run) this.emit('connect');
        }),
      }),
    };
    this.last = run.informer;
    return run;
  }

  private handlerFor(run: Run<T>): ResourceEventHandler<T> {
    return {
      onAdd: (obj, isInInitialList) => {
        if (this.active === run) this.added(obj, isInInitialList);
      },
      onUpdate: (_old, obj) => {
        if (this.active === run) this.updated(obj);
      },
      onDelete: (obj) => {
        if (this.active === run) this.deleted(obj instanceof DeletedFinalStateUnknown ? obj.obj : obj);
      },
    };
  }

  private added(obj: T, isInInitialList: boolean): void {
    const key = objectKey(obj);
    this.unconfirmed.delete(key);
    const known = this.lookup(obj);
    if (known) {
      // Only after a restart can an object arrive as new while reported before: in the new
      // initial list it is an update (or nothing, when unchanged); after it, the object was
      // deleted and created again while we were stopped.
      if (isInInitialList) {
        if (sameVersion(known, obj)) return;
        this.store(obj);
        this.emit('update', obj, known);
        return;
      }
      this.remove(known);
      this.emit('delete', known);
    }
    this.store(obj);
    this.emit('add', obj);
  }

  private updated(obj: T): void {
    this.unconfirmed.delete(objectKey(obj));
    const known = this.lookup(obj);
    if (known && sameVersion(known, obj)) return;
    this.store(obj);
    if (known) this.emit('update', obj, known);
    else this.emit('add', obj);
  }

  private deleted(obj: T): void {
    this.unconfirmed.delete(objectKey(obj));
    const known = this.lookup(obj);
    // Never reported, so nothing to take back (client-node calls no callback either).
    if (!known) return;
    this.remove(known);
    this.emit('delete', obj);
  }

  /** After a restart's initial list: what it did not confirm was deleted meanwhile. */
  private reportUnconfirmed(): void {
    const gone: T[] = [];
    for (const key of this.unconfirmed) {
      const slash = key.indexOf('/');
      const obj = this.get(key.slice(slash + 1), key.slice(0, slash));
      if (obj) gone.push(obj);
    }
    this.unconfirmed.clear();
    for (const obj of gone) {
      this.remove(obj);
      this.emit('delete', obj);
    }
  }

  private lookup(obj: T): T | undefined {
    return this.objects.get(obj.metadata?.namespace ?? '')?.get(obj.metadata?.name ?? '');
  }

  private store(obj: T): void {
    const namespace = obj.metadata?.namespace ?? '';
    let byName = this.objects.get(namespace);
    if (!byName) {
      byName = new Map();
      this.objects.set(namespace, byName);
    }
    byName.set(obj.metadata?.name ?? '', obj);
  }

  private remove(obj: T): void {
    const namespace = obj.metadata?.namespace ?? '';
    const byName = this.objects.get(namespace);
    if (!byName) return;
    byName.delete(obj.metadata?.name ?? '');
    if (byName.size === 0) this.objects.delete(namespace);
  }

  /**
   * Calls every listener of `event` with `args`, each on its own: one that throws or rejects is
   * reported as an `error` (source `handler`) and the rest are still called. The listener list is
   * copied first, so a listener may call `on`/`off` safely.
   */
  private emit<K extends keyof ClientNodeInformerEvents<T>>(
    event: K,
    ...args: ClientNodeInformerEvents<T>[K]
  ): void {
    for (const listener of this.emitter.listeners(event)) {
      try {
        const result: unknown = (listener as (...a: unknown[]) => unknown)(...args);
        if (isThenable(result)) result.then(undefined, (err: unknown) => this.reportError(err, 'handler'));
      } catch (err) {
        this.reportError(err, 'handler');
      }
    }
  }

  private reportError(err: unknown, source: InformerErrorSource): void {
    const listeners = this.emitter.listeners('error');
    if (listeners.length === 0) {
      this.logger.warn(`client-node informer: ${source} error`, { error: String(err) });
      return;
    }
    for (const listener of listeners) {
      try {
        const result: unknown = (listener as (...a: unknown[]) => unknown)(err, source);
        if (isThenable(result)) result.then(undefined, (thrown: unknown) => this.errorListenerFailed(thrown));
      } catch (thrown) {
        // Not reported as another `error`: a listener that always throws would loop forever.
        this.errorListenerFailed(thrown);
      }
    }
  }

  private errorListenerFailed(err: unknown): void {
    this.logger.error('client-node informer: an error listener threw', { error: String(err) });
  }
}

/**
 * Makes a `@kubernetes/client-node`-style informer (see {@link ClientNodeInformer} for what it
 * guarantees) — the migration path for code built on client-node's `makeInformer`:
 *
 * ```ts
 * // client-node: makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => api.listNamespacedConfigMap({ namespace: 'default' }))
 * const informer = makeClientNodeInformer(kube.resource(ConfigMaps).namespace('default'));
 * informer.on('add', (cm) => console.log('added', cm.metadata?.name));
 * await informer.start();
 * ```
 *
 * `source` is one of:
 * - a `ResourceClient` (all namespaces, or one with `.namespace(ns)`), with `labelSelector` and
 *   `fieldSelector` from `options`: the facade creates and owns an informer per `start()`, emits
 *   `connect` each time that informer starts a watch request (the first after the initial list,
 *   then after every reconnect or relist) and `error` for every error it reports;
 * - a {@link ListWatch}: the same, over your own list and watch calls;
 * - an existing {@link SharedIndexInformer} (e.g. `factory.informerFor(ConfigMaps)`): the facade
 *   only listens to it, so one cache and one watch serve both; its owner runs it (e.g.
 *   `factory.start()`). `connect` is emitted once per `start()`, when the cache has been
 *   delivered; `error` only for throwing callbacks — the informer's own errors go to the `onError`
 *   it was made with.
 *
 * @throws ConfigError when selectors come with a source other than a ResourceClient, or informer
 *   settings with an existing informer.
 */
export function makeClientNodeInformer<T extends KubeObject>(
  source: ResourceClient<T> | ListWatch<T> | SharedIndexInformer<T>,
  options: ClientNodeInformerOptions<T> = {},
): ClientNodeInformer<T> {
  const selectors = options.labelSelector !== undefined || options.fieldSelector !== undefined;
  if (source instanceof ResourceClient) {
    const name =
      options.informer?.name ??
      `${source.type.resource}${source.type.group ? `.${source.type.group}` : ''}${source.scope ? ` in ${source.scope}` : ''}`;
    const listWatch = listWatchFor(source, {
      ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
      ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}),
    });
    return new ClientNodeInformer(listWatch, { ...options, informer: { ...options.informer, name } });
  }
  if (selectors)
    throw new ConfigError(
      'labelSelector and fieldSelector apply to a ResourceClient source; put them into your ListWatch or informer instead.',
    );
  if (source instanceof SharedIndexInformer && options.informer !== undefined)
    throw new ConfigError(
      'informer settings apply only to an informer the facade creates; an existing informer keeps its own — set them where it is made.',
    );
  return new ClientNodeInformer(source, options);
}

/** The emitter events a verb stands for; `change` is add, update and delete. */
function eventsOf(verb: string): (keyof ClientNodeInformerEvents<unknown>)[] {
  if (!verbs.has(verb))
    throw new ConfigError(
      `unknown informer event ${JSON.stringify(verb)}; use add, update, change, delete, error or connect.`,
    );
  if (verb === 'change') return [...objectVerbs] as (keyof ClientNodeInformerEvents<unknown>)[];
  return [verb as keyof ClientNodeInformerEvents<unknown>];
}

function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function objectKey(obj: KubeObject): string {
  return keyOf(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
}

function sameVersion(a: KubeObject, b: KubeObject): boolean {
  const rv = a.metadata?.resourceVersion;
  return rv !== undefined && rv === b.metadata?.resourceVersion;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * A metrics provider that calls `onWatch` each time the informer starts a watch request — the
 * only place an informer tells that it (re)connects — and otherwise passes every metric through
 * to `provider` (no-op metrics without one).
 */
function watchesHook(
  provider: InformerMetricsProvider | undefined,
  onWatch: () => void,
): InformerMetricsProvider {
  const noop = { inc() {}, set() {} };
  return {
    newListsMetric: (name) => provider?.newListsMetric(name) ?? noop,
    newRelistsMetric: (name) => provider?.newRelistsMetric(name) ?? noop,
    newEventsMetric: (name) => provider?.newEventsMetric(name) ?? noop,
    newErrorsMetric: (name, source) => provider?.newErrorsMetric(name, source) ?? noop,
    newHandlerLagMetric: (name) => provider?.newHandlerLagMetric(name) ?? noop,
    newHandlerBacklogMetric: (name) => provider?.newHandlerBacklogMetric(name) ?? noop,
    newWatchesMetric: (name) => {
      let counter: { inc(): void } | undefined;
      try {
        counter = provider?.newWatchesMetric(name);
      } catch {
        // A broken provider costs its metric, never the connect event.
      }
      return {
        inc() {
          try {
            counter?.inc();
          } finally {
            onWatch();
          }
        },
      };
    },
  };
}
