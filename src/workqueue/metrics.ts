import type { Clock } from '../common/clock.js';

/** A value that goes up and down by one (queue depth). */
export interface GaugeMetric {
  inc(): void;
  dec(): void;
}

/** A value that is set outright (unfinished work, longest running processor). */
export interface SettableGaugeMetric {
  set(value: number): void;
}

/** A value that only goes up (adds, retries). */
export interface CounterMetric {
  inc(): void;
}

/** Observations of a duration in seconds (queue latency, work duration). */
export interface HistogramMetric {
  observe(seconds: number): void;
}

/**
 * Creates the metrics of one named queue. A queue asks for its metrics once, at construction, and
 * only when it has both a `name` and a provider. The provider decides names and labels; the
 * prom-client one ({@link PrometheusMetricsProvider}) uses client-go's `workqueue_*` names with a
 * `name` label, so existing dashboards work unchanged.
 *
 * What each metric means (same as client-go):
 * - depth: items waiting to be handed to a worker, including items re-added while being processed;
 * - adds: adds that made an item dirty (an add of an already queued item is not counted);
 * - latency: seconds from the add that made an item dirty to the `get` that returned it;
 * - work duration: seconds from `get` to `done`;
 * - unfinished work: the summed age of all in-flight items, refreshed every 500 ms;
 * - longest running processor: the age of the oldest in-flight item, refreshed every 500 ms;
 * - retries: calls of `addAfter` (and so of `addRateLimited`).
 */
export interface MetricsProvider {
  newDepthMetric(name: string): GaugeMetric;
  newAddsMetric(name: string): CounterMetric;
  newLatencyMetric(name: string): HistogramMetric;
  newWorkDurationMetric(name: string): HistogramMetric;
  newUnfinishedWorkSecondsMetric(name: string): SettableGaugeMetric;
  newLongestRunningProcessorSecondsMetric(name: string): SettableGaugeMetric;
  newRetriesMetric(name: string): CounterMetric;
}

/** How often unfinished-work and longest-running gauges are refreshed, as in client-go. */
export const UNFINISHED_WORK_UPDATE_PERIOD_MS = 500;

/**
 * Per-queue bookkeeping behind the metrics. Exists only for named queues with a provider, so an
 * unobserved queue pays one `undefined` check per operation and nothing else.
 */
export class QueueMetricsRecorder<K> {
  private readonly depth: GaugeMetric;
  private readonly adds: CounterMetric;
  private readonly latency: HistogramMetric;
  private readonly workDuration: HistogramMetric;
  private readonly unfinished: SettableGaugeMetric;
  private readonly longest: SettableGaugeMetric;
  private readonly addTimes = new Map<K, number>();
  private readonly startTimes = new Map<K, number>();

  constructor(
    provider: MetricsProvider,
    name: string,
    private readonly clock: Clock,
  ) {
    this.depth = provider.newDepthMetric(name);
    this.adds = provider.newAddsMetric(name);
    this.latency = provider.newLatencyMetric(name);
    this.workDuration = provider.newWorkDurationMetric(name);
    this.unfinished = provider.newUnfinishedWorkSecondsMetric(name);
    this.longest = provider.newLongestRunningProcessorSecondsMetric(name);
  }

  added(key: K): void {
    this.adds.inc();
    this.depth.inc();
    if (!this.addTimes.has(key)) this.addTimes.set(key, this.clock.now());
  }

  got(key: K): void {
    const now = this.clock.now();
    this.depth.dec();
    this.startTimes.set(key, now);
    const added = this.addTimes.get(key);
    if (added !== undefined) {
      this.latency.observe((now - added) / 1000);
      this.addTimes.delete(key);
    }
  }

  done(key: K): void {
    const started = this.startTimes.get(key);
    if (started !== undefined) {
      this.workDuration.observe((this.clock.now() - started) / 1000);
      this.startTimes.delete(key);
    }
  }

  updateUnfinishedWork(): void {
    const now = this.clock.now();
    let total = 0;
    let oldest = 0;
    for (const started of this.startTimes.values()) {
      const age = (now - started) / 1000;
      total += age;
      if (age > oldest) oldest = age;
    }
    this.unfinished.set(total);
    this.longest.set(oldest);
  }
}
