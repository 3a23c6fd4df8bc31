import { hostname } from 'node:os';
import type { KubeClient } from '../client/kube-client.js';
import { type Clock, type ClockTimer, realClock } from '../common/clock.js';
import { ConfigError } from '../common/errors.js';
import { type Logger, silentLogger } from '../common/logger.js';
import { BoundedQueue } from './bounded-queue.js';
import { type CorrelatorOptions, EventCorrelator } from './correlator.js';
import { EventError } from './errors.js';
import { EventNamer } from './event-name.js';
import type { EventRecord } from './event-record.js';
import type { EventSeries } from './event-series.js';
import { KubeEventSink } from './kube-sink.js';
import { EventMetrics, type EventMetricsProvider, type EventStats } from './metrics.js';
import { BroadcasterRecorder, type RecorderOptions } from './recorder.js';
import {
  type EventRetryOptions,
  isAlreadyExists,
  isNamespaceTerminating,
  isNotFound,
  isRetryable,
  retryDelay,
} from './retry.js';
import type { EventSink } from './sink.js';
import type { EventApiVersion, EventRecorder } from './types.js';
import { assertReportingController, assertReportingInstance } from './validation.js';

/** Options of {@link EventBroadcaster}. Give `kube` (the usual) or a `sink` of your own. */
export interface EventBroadcasterOptions {
  /** Client to write Events with. Its rate limit applies to event writes too. */
  kube?: KubeClient;
  /** Where to write instead of `kube` (tests, other transports). */
  sink?: EventSink;
  /** `reportingController` / `source.component` of the events, a qualified name such as `tenant-operator`. */
  component: string;
  /** `reportingInstance` / `source.host` (default: the host name). */
  instance?: string;
  /**
   * The API to write to (with `kube`): `events.k8s.io/v1`, core `v1`, or `auto` (default):
   * events.k8s.io/v1, falling back to core/v1 when the server does not serve it (404).
   */
  apiVersion?: EventApiVersion | 'auto';
  /** Writes that may wait for the API; past it new events are dropped and counted (default 1000). */
  queueSize?: number;
  clock?: Clock;
  logger?: Logger;
  metrics?: EventMetricsProvider;
  /** Told about every invalid event and every write that failed for good. Must not throw (it is contained). */
  onError?: (err: EventError) => void;
  /** Aggregation, spam-filter and cache settings (client-go's defaults). */
  correlator?: CorrelatorOptions;
  retry?: EventRetryOptions;
  /** Longest a single write may take before it is abandoned and retried (default 30 s). */
  writeTimeoutMs?: number;
  /** events.k8s.io series: how often growing counts are written (default 30 min, as client-go). */
  seriesRefreshMs?: number;
  /** events.k8s.io series: quiet time after which a series is finished (default 6 min, as client-go). */
  seriesFinishMs?: number;
  /**
   * Longest {@link EventBroadcaster.shutdown} — called, or caused by `start`'s signal aborting —
   * and {@link EventBroadcaster.flush} wait for pending writes, in ms (default 5 000).
   */
  drainTimeoutMs?: number;
  /** Random numbers in [0, 1) for retry jitter (tests). */
  random?: () => number;
}

/** Options of {@link EventBroadcaster.flush} and {@link EventBroadcaster.shutdown}. */
export interface FlushOptions {
  /** Longest to wait for pending writes, in ms (default: the broadcaster's `drainTimeoutMs`). */
  timeoutMs?: number;
}

type State = 'new' | 'running' | 'stopped';

/**
 * Receives events from its recorders and writes them to the API in the background, the way
 * client-go's event broadcasters do:
 *
 * - `event()` returns at once: it correlates the occurrence (aggregation, counting, spam filter)
 *   and at most puts one write into a bounded queue; a full queue drops the write and counts it;
 * - one background loop ({@link start}) writes the queue in order; identical events become one
 *   Event whose count (events.k8s.io `series`, core `count`) is updated by PATCH; a failed write
 *   is retried up to 12 times with jittered waits unless the server rejected it for good, then
 *   dropped, counted and reported to `onError` — the loop itself never stops on an error;
 * - events.k8s.io/v1 series counts are written when the series starts, every `seriesRefreshMs`
 *   while it grows, and when it goes quiet for `seriesFinishMs`; core/v1 counts at every
 *   occurrence the spam filter allows;
 * - {@link shutdown}, or aborting `start`'s signal, stops taking events, writes what is pending
 *   within `drainTimeoutMs`, then stops the loop (so the events a component records while it
 *   shuts down still reach the API when it can be reached).
 *
 * Events are written in the object's namespace (`default` for cluster-scoped objects) and named
 * `<object name>.<hex>`. A recorder may be created and used before `start`: events wait in the
 * queue.
 */
export class EventBroadcaster {
  private readonly sink: EventSink;
  private readonly component: string;
  private readonly instance: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly onError: (err: EventError) => void;
  private readonly metrics: EventMetrics;
  private readonly queue: BoundedQueue<EventSeries>;
  private readonly correlator: EventCorrelator;
  private readonly maxTries: number;
  private readonly retryIntervalMs: number;
  private readonly writeTimeoutMs: number;
  private readonly refreshMs: number;
  private readonly finishMs: number;
  private readonly random: () => number;
  private readonly drainTimeoutMs: number;

  private state: State = 'new';
  private closed = false;
  private readonly stopper = new AbortController();
  private loop: Promise<void> | undefined;
  private shuttingDown: Promise<void> | undefined;
  private writing = false;
  private idleWaiters: (() => void)[] = [];
  private timers: ClockTimer[] = [];

  constructor(options: EventBroadcasterOptions) {
    if (!options.sink && !options.kube) {
      throw new ConfigError('EventBroadcaster needs a kube client (or a sink) to write events with.');
    }
    this.component = options.component;
    assertReportingController(this.component);
    this.instance = options.instance ?? hostname();
    assertReportingInstance(this.instance);
    this.sink = options.sink ?? new KubeEventSink(options.kube as KubeClient, options.apiVersion ?? 'auto');
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? silentLogger;
    const onError = options.onError;
    this.onError = (err) => {
      try {
        onError?.(err);
      } catch (thrown) {
        this.logger.error('event error handler threw', { error: String(thrown) });
      }
    };
    this.metrics = new EventMetrics(options.metrics, this.component);
    this.queue = new BoundedQueue(options.queueSize ?? 1000);
    this.correlator = new EventCorrelator(this.clock, new EventNamer(), options.correlator, (series) =>
      this.enqueue(series),
    );
    this.maxTries = Math.max(1, options.retry?.maxTries ?? 12);
    this.retryIntervalMs = options.retry?.intervalMs ?? 10_000;
    this.writeTimeoutMs = options.writeTimeoutMs ?? 30_000;
    this.refreshMs = options.seriesRefreshMs ?? 30 * 60_000;
    this.finishMs = options.seriesFinishMs ?? 6 * 60_000;
    this.random = options.random ?? Math.random;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 5_000;
  }

  /** Counters since construction (live object; read, do not modify). */
  get stats(): Readonly<EventStats> {
    return this.metrics.stats;
  }

  /** Writes waiting in the queue. */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * A recorder whose events this broadcaster writes, reporting as `options.component` (default
   * the broadcaster's) from the broadcaster's instance. Throws ConfigError for a component the
   * API would reject.
   */
  newRecorder(options: RecorderOptions = {}): EventRecorder {
    const component = options.component ?? this.component;
    assertReportingController(component);
    const { component: _c, ...rest } = options;
    return new BroadcasterRecorder(
      { accept: (record) => this.accept(record), reject: (err) => this.reject(err) },
      component,
      this.instance,
      rest,
    );
  }

  /**
   * Runs the background loop that writes events until `signal` aborts or {@link shutdown} is
   * called; either way pending writes get up to `drainTimeoutMs` first, and what is left then
   * is dropped and counted. Resolves when the loop has stopped; never rejects for API errors.
   * Rejects with ConfigError when called twice.
   */
  start(signal?: AbortSignal): Promise<void> {
    if (this.state !== 'new') {
      return Promise.reject(new ConfigError('EventBroadcaster.start was called twice; start it once.'));
    }
    this.state = 'running';
    this.loop = this.run(this.stopper.signal);
    if (signal) {
      const stop = () => void this.shutdown();
      if (signal.aborted) stop();
      else {
        signal.addEventListener('abort', stop, { once: true });
        // Do not keep the listener (and this broadcaster) alive on a long-lived signal.
        void this.loop.finally(() => signal.removeEventListener('abort', stop));
      }
    }
    return this.loop;
  }

  /**
   * Queues every series count not yet written and waits — at most `timeoutMs` — until the queue
   * is empty and no write is in flight. Resolves true when everything was written (or dropped
   * after failing), false on timeout or when the loop is not running.
   */
  async flush(options: FlushOptions = {}): Promise<boolean> {
    if (this.state !== 'running' || this.stopper.signal.aborted) return this.idle();
    for (const series of this.correlator.dirtySeries()) this.enqueue(series);
    if (this.idle()) return true;
    const timeoutMs = options.timeoutMs ?? this.drainTimeoutMs;
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const finish = (drained: boolean) => {
        if (settled) return;
        settled = true;
        timer.cancel();
        this.stopper.signal.removeEventListener('abort', onStop);
        resolve(drained);
      };
      const onStop = () => finish(this.idle());
      const timer = this.clock.setTimeout(() => finish(this.idle()), timeoutMs);
      this.stopper.signal.addEventListener('abort', onStop, { once: true });
      this.idleWaiters.push(() => finish(this.idle()));
    });
  }

  /**
   * Stops accepting events (later ones are dropped and counted), writes what is pending within
   * `timeoutMs` (see {@link flush}), then stops the loop; what could not be written in time is
   * dropped and counted. Idempotent; resolves when the loop has stopped.
   */
  shutdown(options: FlushOptions = {}): Promise<void> {
    // Every caller waits for the one shutdown (a second call must not cut the first one's flush).
    this.shuttingDown ??= this.doShutdown(options);
    return this.shuttingDown;
  }

  private async doShutdown(options: FlushOptions): Promise<void> {
    const wasClosed = this.closed;
    this.closed = true;
    if (!wasClosed && this.state === 'running') await this.flush(options);
    this.stopper.abort();
    if (this.loop) await this.loop;
    this.stopped();
  }

  private idle(): boolean {
    return this.queue.length === 0 && !this.writing;
  }

  private accept(record: EventRecord): void {
    if (this.closed) {
      this.metrics.countDropped('shutdown');
      return;
    }
    this.metrics.countEmitted();
    const { series, outcome, combined } = this.correlator.correlate(record, this.seriesMode());
    if (combined) this.metrics.countAggregated();
    if (outcome === 'write') this.enqueue(series);
    else if (outcome === 'spam') this.metrics.countSpamFiltered();
    this.logger.debug('event', {
      object: `${record.regarding.kind} ${record.regarding.namespace ?? ''}/${record.regarding.name}`,
      type: record.type,
      reason: record.reason,
      message: record.note,
      outcome,
    });
  }

  private reject(err: EventError): void {
    this.metrics.countDropped('invalid');
    this.logger.warn('invalid event dropped', { error: err.message, ...err.event });
    this.onError(err);
  }

  /** events.k8s.io/v1 (also while auto has not found out yet) uses series; core v1 writes every count. */
  private seriesMode(): boolean {
    return this.sink.apiVersion !== 'v1';
  }

  private enqueue(series: EventSeries): void {
    if (series.queued) return;
    if (this.queue.push(series)) {
      series.queued = true;
      this.metrics.depthUp();
    } else {
      this.metrics.countDropped('queue_full');
    }
  }

  private async run(signal: AbortSignal): Promise<void> {
    this.schedule(this.refreshMs, () => {
      for (const series of this.correlator.dirtySeries()) this.enqueue(series);
    });
    this.schedule(this.finishMs, () => {
      if (!this.seriesMode()) return;
      for (const series of this.correlator.finishIdle(this.finishMs)) this.enqueue(series);
    });
    try {
      while (!signal.aborted) {
        await this.queue.whenNonEmpty(signal);
        const series = this.queue.shift();
        if (series === undefined) continue;
        this.metrics.depthDown();
        series.queued = false;
        // A retry of an earlier write may already have carried this occurrence.
        if (series.written < series.count) {
          this.writing = true;
          try {
            await this.writeWithRetries(series, signal);
          } catch (err) {
            // writeWithRetries handles every error; this is the last line against a bug.
            this.logger.error('event sink loop error', { error: String(err) });
          } finally {
            this.writing = false;
          }
        }
        if (this.idle()) this.wakeIdleWaiters();
      }
    } finally {
      this.stopped();
    }
  }

  private stopped(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.closed = true;
    for (const timer of this.timers) timer.cancel();
    this.timers = [];
    // Waiters learn whether anything was left before the leftovers are dropped.
    this.wakeIdleWaiters();
    const lost = this.queue.drain();
    for (const series of lost) {
      series.queued = false;
      this.metrics.depthDown();
    }
    if (lost.length > 0) {
      this.metrics.countDropped('shutdown', lost.length);
      this.logger.warn('event writes dropped at shutdown', { count: lost.length });
    }
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Runs `fn` every `periodMs` until the loop stops. */
  private schedule(periodMs: number, fn: () => void): void {
    if (!(periodMs > 0 && Number.isFinite(periodMs))) return;
    const slot = this.timers.length;
    const tick = () => {
      if (this.state !== 'running') return;
      try {
        fn();
      } catch (err) {
        this.logger.error('event series timer failed', { error: String(err) });
      }
      this.timers[slot] = this.clock.setTimeout(tick, periodMs);
    };
    this.timers.push(this.clock.setTimeout(tick, periodMs));
  }

  private async writeWithRetries(series: EventSeries, signal: AbortSignal): Promise<void> {
    for (let tries = 1; ; tries++) {
      const snapshot = series.snapshot();
      try {
        await this.writeOnce(series, signal);
        this.metrics.countWritten();
        return;
      } catch (err) {
        if (signal.aborted) {
          this.metrics.countDropped('shutdown');
          return;
        }
        this.metrics.countWriteError();
        const retry = isRetryable(err) && tries < this.maxTries;
        if (!retry) {
          this.metrics.countDropped('write_failed');
          if (isNamespaceTerminating(err)) {
            // Expected while a namespace is deleted (its objects' last events); client-go keeps it quiet too.
            this.logger.debug('event dropped: namespace is terminating', { event: snapshot.name });
            return;
          }
          const why = isRetryable(err) ? `failed ${tries} times` : 'was rejected';
          this.logger.error('event write dropped', { event: snapshot.name, error: String(err) });
          this.onError(
            new EventError(
              'WriteFailed',
              `writing event ${snapshot.namespace}/${snapshot.name} (${snapshot.reason}) ${why}: ${(err as Error)?.message ?? err}`,
              {
                object: `${snapshot.regarding.kind} ${snapshot.regarding.namespace ? `${snapshot.regarding.namespace}/` : ''}${snapshot.regarding.name}`,
                type: snapshot.type,
                reason: snapshot.reason,
              },
              { cause: err },
            ),
          );
          return;
        }
        const delay = retryDelay(tries, this.retryIntervalMs, this.random);
        this.logger.warn('event write failed, will retry', {
          event: snapshot.name,
          error: String(err),
          tries,
          retryInMs: Math.round(delay),
        });
        try {
          await this.clock.sleep(delay, signal);
        } catch {
          this.metrics.countDropped('shutdown');
          return;
        }
      }
    }
  }

  /**
   * One attempt: PATCH the count when the server has the Event, else create it. A PATCH that
   * finds the Event gone (expired after its TTL) creates it again with its count; a create that
   * finds it already there (an earlier attempt succeeded but its answer was lost) PATCHes.
   */
  private async writeOnce(series: EventSeries, signal: AbortSignal): Promise<void> {
    const attempt = new AbortController();
    const onAbort = () => attempt.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let timer: ClockTimer | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(() => {
        const err = new Error(`event write timed out after ${this.writeTimeoutMs} ms`);
        attempt.abort(err);
        reject(err);
      }, this.writeTimeoutMs);
      attempt.signal.addEventListener('abort', () => reject(attempt.signal.reason), { once: true });
    });
    // A sink that ignores the signal must not hold the loop: the race abandons it.
    const race = <T>(p: Promise<T>): Promise<T> => Promise.race([p, timedOut]);
    timedOut.catch(() => {});
    try {
      const snapshot = series.snapshot();
      if (series.written > 0) {
        try {
          await race(this.sink.update(snapshot, attempt.signal));
          series.written = snapshot.count;
          return;
        } catch (err) {
          if (!isNotFound(err)) throw err;
          series.written = 0;
        }
      }
      try {
        await race(this.sink.create(snapshot, attempt.signal));
        series.written = snapshot.count;
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        series.written = 1;
        if (snapshot.count > 1) {
          await race(this.sink.update(snapshot, attempt.signal));
          series.written = snapshot.count;
        }
      }
    } finally {
      timer?.cancel();
      signal.removeEventListener('abort', onAbort);
    }
  }
}
