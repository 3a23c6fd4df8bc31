import { setMaxListeners } from 'node:events';
import type { KubeClient } from '../client/kube-client.js';
import type { KubeObject, ResourceType } from '../client/resource-type.js';
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { type ListWatchOptions, listWatchFor } from './list-watch.js';
import { Lister } from './lister.js';
import type { InformerErrorSource, InformerMetricsProvider } from './metrics.js';
import { SharedIndexInformer, type SharedIndexInformerOptions } from './shared-informer.js';
import type { Indexers } from './store.js';
import { waitForCacheSync } from './wait-for-cache-sync.js';

/** Options of a {@link SharedInformerFactory}; each informer can narrow them further. */
export interface SharedInformerFactoryOptions {
  /** Default resync period of every informer (0 = none, the default). */
  resyncPeriodMs?: number;
  /** Watch only this namespace (default: all). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  tweakListOptions?: ListWatchOptions['tweakListOptions'];
  /** Transform for every informer (e.g. `stripManagedFields`). */
  transform?: <T extends KubeObject>(obj: T) => T;
  /** Reflector settings for every informer (page size, watch-list, inactivity timeout, backoff). */
  reflector?: SharedIndexInformerOptions<KubeObject>['reflector'];
  onError?: (err: unknown, source: InformerErrorSource, informer: string) => void;
  /** Metrics of every informer, labelled with its name (default: none). */
  metrics?: InformerMetricsProvider;
  logger?: Logger;
  clock?: Clock;
}

/**
 * Per-informer settings. The ones that select objects (namespace, selectors) make it a
 * different informer; the others shape the informer when the first request creates it.
 */
export interface InformerOptions<T> {
  /** Watch only this namespace (default: the factory's; ignored for cluster-scoped types). */
  namespace?: string;
  /** Default: the factory's. */
  labelSelector?: string;
  /** Default: the factory's. */
  fieldSelector?: string;
  /** Default resync period of its handlers (default: the factory's); taken on creation only. */
  resyncPeriodMs?: number;
  /**
   * Indexes to have on the informer: added to an existing informer too. An index already there
   * under the same name with the same function is shared; another function under a taken name
   * throws IndexConflictError.
   */
  indexers?: Indexers<T>;
  /** Transform of inserted objects (default: the factory's); taken on creation only. */
  transform?: (obj: T) => T;
}

/**
 * Hands out one shared informer per (resource, namespace, label selector, field selector), so
 * every controller in a process reads the same cache through one watch. `start()` starts the
 * informers created since the last call and may be called again after creating more;
 * `shutdown()` stops them all and waits. Works for built-in and custom resources (by type, or
 * by kind through discovery).
 */
export class SharedInformerFactory {
  private readonly informers = new Map<string, SharedIndexInformer<KubeObject>>();
  private readonly runs = new Map<string, Promise<void>>();
  private readonly stop = new AbortController();

  constructor(
    readonly kube: KubeClient,
    private readonly options: SharedInformerFactoryOptions = {},
  ) {}

  /** The shared informer for `type` with these selectors (created on first request). */
  informerFor<T extends KubeObject>(
    type: ResourceType<T>,
    options: InformerOptions<T> = {},
  ): SharedIndexInformer<T> {
    const namespace = type.namespaced ? (options.namespace ?? this.options.namespace) : undefined;
    const labelSelector = options.labelSelector ?? this.options.labelSelector;
    const fieldSelector = options.fieldSelector ?? this.options.fieldSelector;
    const key = [
      type.group,
      type.version,
      type.resource,
      namespace ?? '',
      labelSelector ?? '',
      fieldSelector ?? '',
    ].join('|');
    const existing = this.informers.get(key);
    if (existing) {
      if (options.indexers) addMissingIndexers(existing, options.indexers as Indexers<KubeObject>);
      return existing as unknown as SharedIndexInformer<T>;
    }
    const resource = this.kube.resource(type);
    const client = namespace ? resource.namespace(namespace) : resource;
    const name = `${type.resource}${type.group ? `.${type.group}` : ''}${namespace ? ` in ${namespace}` : ''}`;
    const onError = this.options.onError;
    const transform = options.transform ?? this.options.transform;
    const informer = new SharedIndexInformer<T>(
      listWatchFor(client, {
        ...(labelSelector ? { labelSelector } : {}),
        ...(fieldSelector ? { fieldSelector } : {}),
        ...(this.options.tweakListOptions ? { tweakListOptions: this.options.tweakListOptions } : {}),
      }),
      {
        name,
        resyncPeriodMs: options.resyncPeriodMs ?? this.options.resyncPeriodMs ?? 0,
        ...(options.indexers ? { indexers: options.indexers } : {}),
        ...(transform ? { transform: transform as (obj: T) => T } : {}),
        ...(this.options.reflector ? { reflector: this.options.reflector } : {}),
        ...(onError ? { onError: (err, source) => onError(err, source, name) } : {}),
        ...(this.options.metrics ? { metrics: this.options.metrics } : {}),
        ...(this.options.logger ? { logger: this.options.logger } : {}),
        ...(this.options.clock ? { clock: this.options.clock } : {}),
      },
    );
    this.informers.set(key, informer as unknown as SharedIndexInformer<KubeObject>);
    return informer;
  }

  /** The shared informer for a kind found through discovery (e.g. a CRD). */
  async informerForKind<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    options: InformerOptions<T> = {},
  ): Promise<SharedIndexInformer<T>> {
    return this.informerFor(await this.kube.discovery.resourceFor<T>(apiVersion, kind), options);
  }

  /** A lister over the shared informer for `type` (creating the informer if needed). */
  listerFor<T extends KubeObject>(type: ResourceType<T>, options: InformerOptions<T> = {}): Lister<T> {
    return new Lister(this.informerFor(type, options).indexer);
  }

  /**
   * Starts every informer not yet running; repeatable. They stop when `signal` aborts or at
   * `shutdown()`.
   */
  start(signal?: AbortSignal): void {
    const stopSignal = signal ? AbortSignal.any([this.stop.signal, signal]) : this.stop.signal;
    // Every informer, reflector and watch listens on this one signal: fan-out, not a leak.
    setMaxListeners(0, this.stop.signal, stopSignal);
    for (const [key, informer] of this.informers) {
      if (this.runs.has(key) || this.stop.signal.aborted) continue;
      this.runs.set(key, informer.run(stopSignal));
    }
  }

  /** Resolves true once every started informer has synced; false if `signal` aborts first. */
  waitForCacheSync(signal: AbortSignal): Promise<boolean> {
    const started = [...this.informers].filter(([key]) => this.runs.has(key)).map(([, informer]) => informer);
    return waitForCacheSync(signal, started, this.options.clock ? { clock: this.options.clock } : {});
  }

  /** True when every started informer has synced (and at least one was started). */
  hasSynced(): boolean {
    let any = false;
    for (const [key, informer] of this.informers) {
      if (!this.runs.has(key)) continue;
      any = true;
      if (!informer.hasSynced()) return false;
    }
    return any;
  }

  /** Stops every informer and waits until they have all stopped. Idempotent. */
  async shutdown(): Promise<void> {
    this.stop.abort();
    await Promise.all(this.runs.values());
  }
}

/**
 * Two callers asking for the same informer with the same index (one function under one name)
 * share it; only a name already taken by a different function is a conflict (IndexConflictError).
 */
function addMissingIndexers(informer: SharedIndexInformer<KubeObject>, indexers: Indexers<KubeObject>): void {
  const registered = informer.indexer.getIndexers();
  const missing = Object.entries(indexers).filter(([name, fn]) => registered[name] !== fn);
  if (missing.length > 0) informer.addIndexers(Object.fromEntries(missing));
}
