import { getControllerOf } from '../apimachinery/owner-references.js';
import { isForbidden } from '../client/api-error.js';
import type { KubeObject } from '../client/resource-type.js';
import { type Clock, realClock } from '../common/clock.js';
import { ConfigError } from '../common/errors.js';
import { type Logger, silentLogger } from '../common/logger.js';
import type { ResourceEventHandlerRegistration } from '../informers/event-handler.js';
import { DeletedFinalStateUnknown } from '../informers/keys.js';
import type { SharedIndexInformer } from '../informers/shared-informer.js';
import { waitForCacheSync } from '../informers/wait-for-cache-sync.js';
import { TerminalError } from '../workqueue/errors.js';
import type { MetricsProvider } from '../workqueue/metrics.js';
import type { RateLimiter } from '../workqueue/rate-limiters.js';
import { RateLimitingQueue } from '../workqueue/rate-limiting-queue.js';
import { type ControllerMetrics, noControllerMetrics, type ReconcileOutcome } from './metrics.js';
import { type Predicate, passes } from './predicates.js';
import { type Reconciler, type Request, type Result, requestFromKey, requestKey } from './reconciler.js';

/** Options of a {@link Controller}. */
export interface ControllerOptions {
  /** Unique name: queue name, metrics label, log field. */
  name: string;
  reconcile: Reconciler;
  /** Concurrent reconciles (default 1). One key is never reconciled by two at once. */
  workers?: number;
  /** Backoff for failed reconciles (default: per-item 5 ms → 1000 s, max-of a 10 qps / 100 burst bucket). */
  rateLimiter?: RateLimiter;
  /**
   * Limit for one reconcile in ms (default 0: none). When it passes, the reconcile's signal
   * aborts and it counts as failed (retried with backoff); its key stays reserved until the
   * reconcile really settles, so it is still never run twice at once.
   */
  reconcileTimeoutMs?: number;
  /** How long to wait for the watched informers to sync before giving up (default 2 minutes). */
  cacheSyncTimeoutMs?: number;
  metrics?: ControllerMetrics;
  /** Work-queue metrics (`workqueue_*` with the controller's name). */
  queueMetrics?: MetricsProvider;
  logger?: Logger;
  clock?: Clock;
}

interface Watch {
  informer: SharedIndexInformer<KubeObject>;
  registration?: ResourceEventHandlerRegistration;
}

/**
 * A reconcile loop (controller-runtime's Controller): events from watched informers become
 * keys in a rate-limited work queue; `workers` async workers reconcile them. Guarantees:
 * - a key is never reconciled by two workers at once, and changes during a reconcile cause
 *   exactly one more reconcile afterwards;
 * - no reconcile runs before every watched informer has synced;
 * - success forgets the key's backoff, a thrown error retries with backoff, a `TerminalError`
 *   is reported and not retried, `{ requeueAfterMs }` comes back after that delay;
 * - stopping (the signal of `run`) lets running reconciles finish (their signal aborts) and
 *   starts no new ones.
 */
export class Controller {
  readonly name: string;
  readonly queue: RateLimitingQueue<string>;
  private readonly watched: Watch[] = [];
  private readonly logger: Logger;
  private readonly metrics: ControllerMetrics;
  private readonly clock: Clock;
  private started = false;
  private readonly reportedDenials = new Set<string>();

  constructor(private readonly options: ControllerOptions) {
    if (!options.name) throw new ConfigError('a controller needs a name.');
    this.name = options.name;
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? noControllerMetrics;
    this.clock = options.clock ?? realClock;
    this.queue = new RateLimitingQueue<string>({
      name: options.name,
      clock: this.clock,
      logger: this.logger,
      ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
      ...(options.queueMetrics ? { metricsProvider: options.queueMetrics } : {}),
    });
  }

  /** Reconciles the objects of `informer` themselves (the primary resource). */
  for<T extends KubeObject>(informer: SharedIndexInformer<T>, ...predicates: Predicate<NoInfer<T>>[]): this {
    return this.watch(informer, (obj) => [requestOf(obj)], predicates);
  }

  /**
   * Reconciles the controller owner of each object of `informer` whose controller reference has
   * `owner.kind` (and `owner.group` when given): changes to owned objects wake their owner. Set
   * `clusterScoped` when the owner kind has no namespace (its requests then have none).
   */
  owns<T extends KubeObject>(
    informer: SharedIndexInformer<T>,
    owner: { kind: string; group?: string; clusterScoped?: boolean },
    ...predicates: Predicate<NoInfer<T>>[]
  ): this {
    return this.watch(
      informer,
      (obj) => {
        const ref = getControllerOf(obj);
        if (!ref || ref.kind !== owner.kind) return [];
        if (
          owner.group !== undefined &&
          (ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '') !== owner.group
        ) {
          return [];
        }
        return [{ namespace: owner.clusterScoped ? '' : (obj.metadata?.namespace ?? ''), name: ref.name }];
      },
      predicates,
    );
  }

  /** Reconciles whatever `map` returns for each event of `informer` (any relation). */
  watches<T extends KubeObject>(
    informer: SharedIndexInformer<T>,
    map: (obj: T) => Request[],
    ...predicates: Predicate<NoInfer<T>>[]
  ): this {
    return this.watch(informer, map, predicates);
  }

  /** Queues a reconcile of `request` now (e.g. from a timer or an external trigger). */
  enqueue(request: Request): void {
    this.queue.add(requestKey(request));
  }

  private watch<T extends KubeObject>(
    informer: SharedIndexInformer<T>,
    map: (obj: T) => Request[],
    predicates: Predicate<T>[],
  ): this {
    if (this.started) throw new ConfigError(`${this.name}: add watches before running the controller.`);
    const requestsFor = (obj: T): string[] => {
      try {
        return map(obj).map(requestKey);
      } catch (err) {
        this.logger.warn(`${this.name}: mapping an event to requests failed`, { error: String(err) });
        return [];
      }
    };
    const enqueueAll = (obj: T) => {
      for (const key of requestsFor(obj)) this.queue.add(key);
    };
    const watch: Watch = { informer: informer as unknown as SharedIndexInformer<KubeObject> };
    watch.registration = informer.addEventHandler({
      onAdd: (obj) => {
        if (passes(predicates, { kind: 'create', obj })) enqueueAll(obj);
      },
      onUpdate: (oldObj, newObj) => {
        if (!passes(predicates, { kind: 'update', oldObj, newObj })) return;
        // A relation that changed (a new owner, a moved label) must wake both sides; keys are
        // collected first so one already picked up by a worker is not added a second time.
        const keys = new Set(requestsFor(newObj));
        if (oldObj !== newObj) for (const key of requestsFor(oldObj)) keys.add(key);
        for (const key of keys) this.queue.add(key);
      },
      onDelete: (deleted) => {
        const obj = deleted instanceof DeletedFinalStateUnknown ? deleted.obj : deleted;
        if (passes(predicates, { kind: 'delete', obj })) enqueueAll(obj);
      },
    });
    this.watched.push(watch);
    return this;
  }

  /**
   * Waits for the watched informers to sync (they must be started, e.g. by a factory or
   * Manager), then reconciles until `signal` aborts. Rejects only when the caches do not sync
   * in time; otherwise resolves after the last running reconcile has finished.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new ConfigError(`${this.name}: a controller runs once.`);
    this.started = true;
    const workers = this.options.workers ?? 1;
    if (!Number.isInteger(workers) || workers < 1) {
      throw new ConfigError(`${this.name}: workers must be a positive integer, got ${workers}.`);
    }
    try {
      const syncTimeout = AbortSignal.any([
        signal,
        AbortSignal.timeout(this.options.cacheSyncTimeoutMs ?? 120_000),
      ]);
      const synced = await waitForCacheSync(
        syncTimeout,
        this.watched.map((w) => w.registration!),
        { clock: this.clock },
      );
      if (!synced) {
        if (signal.aborted) return;
        throw new Error(
          `${this.name}: timed out waiting for the informers' caches to sync (are they started?)`,
        );
      }
      this.metrics.maxConcurrentReconciles(this.name, workers);
      this.logger.info(`${this.name}: starting workers`, { workers });
      const hung = new Set<Promise<unknown>>();
      await Promise.all(Array.from({ length: workers }, () => this.worker(signal, hung)));
      // Reconciles that outlived their timeout still hold their keys; let them settle.
      await Promise.allSettled(hung);
    } finally {
      this.queue.shutDown();
      for (const w of this.watched) if (w.registration) w.informer.removeEventHandler(w.registration);
    }
  }

  private async worker(signal: AbortSignal, hung: Set<Promise<unknown>>): Promise<void> {
    while (!signal.aborted) {
      let next: Awaited<ReturnType<RateLimitingQueue<string>['get']>>;
      try {
        next = await this.queue.get(signal);
      } catch {
        return;
      }
      if (next.shutdown) return;
      const key = next.item;
      this.metrics.activeWorkers(this.name, 1);
      try {
        await this.reconcileKey(key, signal, hung);
      } finally {
        this.metrics.activeWorkers(this.name, -1);
      }
    }
  }

  private async reconcileKey(key: string, stop: AbortSignal, hung: Set<Promise<unknown>>): Promise<void> {
    const timeoutMs = this.options.reconcileTimeoutMs ?? 0;
    const controller = new AbortController();
    const onStop = () => controller.abort(stop.reason);
    stop.addEventListener('abort', onStop, { once: true });
    const logger = withFields(this.logger, { controller: this.name, key });
    const started = this.clock.now();
    const reconciling = (async () =>
      this.options.reconcile(requestFromKey(key), { signal: controller.signal, logger }))();
    let timer: { cancel(): void } | undefined;
    const timedOut =
      timeoutMs > 0
        ? new Promise<'timeout'>((resolve) => {
            timer = this.clock.setTimeout(() => resolve('timeout'), timeoutMs);
          })
        : undefined;
    let outcome: ReconcileOutcome = 'success';
    let release = true;
    try {
      const result = timedOut ? await Promise.race([reconciling, timedOut]) : await reconciling;
      if (result === 'timeout') {
        controller.abort(new Error(`reconcile of ${key} timed out after ${timeoutMs} ms`));
        outcome = 'error';
        logger.warn(`${this.name}: reconcile timed out`, { key, timeoutMs });
        // The key stays "processing" until the abandoned reconcile settles, so it cannot run
        // twice at once; the retry is queued now and handed out after that.
        release = false;
        this.queue.addRateLimited(key);
        const settle = reconciling.then(
          () => {},
          () => {},
        );
        const tracked = settle.finally(() => {
          hung.delete(tracked);
          this.queue.done(key);
        });
        hung.add(tracked);
        return;
      }
      outcome = this.applyResult(key, result || undefined);
    } catch (err) {
      if (stop.aborted) {
        outcome = 'error';
        logger.debug(`${this.name}: reconcile failed while stopping; not retried`, { error: String(err) });
      } else if (err instanceof TerminalError) {
        outcome = 'error';
        this.queue.forget(key);
        logger.error(`${this.name}: reconcile failed permanently`, { error: String(err) });
      } else {
        outcome = 'error';
        this.queue.addRateLimited(key);
        // An RBAC denial repeats identically on every retry; say it once (it names the verb
        // and resource) and keep the retries quiet, so the log shows the cause, not a flood.
        const denial = isForbidden(err) ? String(err) : undefined;
        const firstDenial = denial !== undefined && !this.reportedDenials.has(denial);
        if (firstDenial) {
          if (this.reportedDenials.size >= 100) this.reportedDenials.clear();
          this.reportedDenials.add(denial);
        }
        const fields = { error: String(err), retries: this.queue.numRequeues(key) };
        if (denial === undefined)
          logger.warn(`${this.name}: reconcile failed; retrying with backoff`, fields);
        else if (firstDenial)
          logger.error(`${this.name}: reconcile is forbidden by RBAC; retrying with backoff`, fields);
        else logger.debug(`${this.name}: reconcile still forbidden`, fields);
      }
    } finally {
      timer?.cancel();
      stop.removeEventListener('abort', onStop);
      this.metrics.reconciled(this.name, outcome, (this.clock.now() - started) / 1000);
      if (release) this.queue.done(key);
    }
  }

  private applyResult(key: string, result: Result | undefined): ReconcileOutcome {
    if (result?.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
      this.queue.forget(key);
      this.queue.addAfter(key, result.requeueAfterMs);
      return 'requeue_after';
    }
    if (result?.requeue) {
      this.queue.addRateLimited(key);
      return 'requeue';
    }
    this.queue.forget(key);
    return 'success';
  }
}

function requestOf(obj: KubeObject): Request {
  return { namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' };
}

function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    debug: (m, f) => logger.debug(m, { ...fields, ...f }),
    info: (m, f) => logger.info(m, { ...fields, ...f }),
    warn: (m, f) => logger.warn(m, { ...fields, ...f }),
    error: (m, f) => logger.error(m, { ...fields, ...f }),
  };
}
