import type { CounterMetric, GaugeMetric } from '../workqueue/metrics.js';

export type { CounterMetric, GaugeMetric };

/** Why an event was dropped (the `reason` of the dropped metric). */
export type EventDropReason =
  /** The call was invalid (bad type or reason, object without kind or name). */
  | 'invalid'
  /** The queue was full: the sink is slower than the events come. */
  | 'queue_full'
  /** The API refused the write, or it failed at every try. */
  | 'write_failed'
  /** Emitted after shutdown, or still queued when the broadcaster stopped. */
  | 'shutdown';

/**
 * Creates the metrics of one broadcaster, named after its component, in the style of the
 * workqueue's {@link workqueue!MetricsProvider}: the provider decides names and labels; the
 * prom-client one is {@link PrometheusEventMetricsProvider}. A broadcaster asks once, at
 * construction.
 *
 * What each metric means:
 * - emitted: valid `event()` calls;
 * - written: Event creates and updates the API accepted;
 * - dropped: occurrences or writes lost, by {@link EventDropReason};
 * - aggregated: occurrences folded into a combined "similar events" Event;
 * - spam filtered: writes the per-object rate limit refused (their counts ride on a later write);
 * - write errors: failed write attempts, retried or not;
 * - queue depth: writes waiting for the sink.
 */
export interface EventMetricsProvider {
  newEmittedMetric(component: string): CounterMetric;
  newWrittenMetric(component: string): CounterMetric;
  newDroppedMetric(component: string, reason: EventDropReason): CounterMetric;
  newAggregatedMetric(component: string): CounterMetric;
  newSpamFilteredMetric(component: string): CounterMetric;
  newWriteErrorsMetric(component: string): CounterMetric;
  newQueueDepthMetric(component: string): GaugeMetric;
}

/** Counters a broadcaster keeps whether or not metrics are exported. All only ever grow. */
export interface EventStats {
  /** Valid `event()` calls. */
  emitted: number;
  /** Writes (creates and count updates) the API accepted. */
  written: number;
  /** Occurrences or writes lost: invalid, queue full, write failed, shut down. */
  dropped: number;
  /** Occurrences folded into a combined Event. */
  aggregated: number;
  /** Writes refused by the per-object spam filter. */
  spamFiltered: number;
  /** Failed write attempts (each retry counts). */
  writeErrors: number;
}

const noop = () => {};
const noopCounter: CounterMetric = { inc: noop };
const noopGauge: GaugeMetric = { inc: noop, dec: noop };

/** The metrics and stats of one broadcaster; a missing or throwing provider never breaks recording. */
export class EventMetrics {
  readonly stats: EventStats = {
    emitted: 0,
    written: 0,
    dropped: 0,
    aggregated: 0,
    spamFiltered: 0,
    writeErrors: 0,
  };
  private readonly emitted: CounterMetric;
  private readonly written: CounterMetric;
  private readonly droppedBy: Record<EventDropReason, CounterMetric>;
  private readonly aggregated: CounterMetric;
  private readonly spamFiltered: CounterMetric;
  private readonly writeErrors: CounterMetric;
  readonly depth: GaugeMetric;

  constructor(provider: EventMetricsProvider | undefined, component: string) {
    const make = <M>(fn: (p: EventMetricsProvider) => M, fallback: M): M =>
      provider ? fn(provider) : fallback;
    this.emitted = make((p) => p.newEmittedMetric(component), noopCounter);
    this.written = make((p) => p.newWrittenMetric(component), noopCounter);
    this.droppedBy = {
      invalid: make((p) => p.newDroppedMetric(component, 'invalid'), noopCounter),
      queue_full: make((p) => p.newDroppedMetric(component, 'queue_full'), noopCounter),
      write_failed: make((p) => p.newDroppedMetric(component, 'write_failed'), noopCounter),
      shutdown: make((p) => p.newDroppedMetric(component, 'shutdown'), noopCounter),
    };
    this.aggregated = make((p) => p.newAggregatedMetric(component), noopCounter);
    this.spamFiltered = make((p) => p.newSpamFilteredMetric(component), noopCounter);
    this.writeErrors = make((p) => p.newWriteErrorsMetric(component), noopCounter);
    this.depth = make((p) => p.newQueueDepthMetric(component), noopGauge);
  }

  countEmitted(): void {
    this.stats.emitted++;
    safe(this.emitted);
  }
  countWritten(): void {
    this.stats.written++;
    safe(this.written);
  }
  countDropped(reason: EventDropReason, n = 1): void {
    this.stats.dropped += n;
    for (let i = 0; i < n; i++) safe(this.droppedBy[reason]);
  }
  countAggregated(): void {
    this.stats.aggregated++;
    safe(this.aggregated);
  }
  countSpamFiltered(): void {
    this.stats.spamFiltered++;
    safe(this.spamFiltered);
  }
  countWriteError(): void {
    this.stats.writeErrors++;
    safe(this.writeErrors);
  }
  depthUp(): void {
    try {
      this.depth.inc();
    } catch {}
  }
  depthDown(): void {
    try {
      this.depth.dec();
    } catch {}
  }
}

// A metrics backend that throws must not turn event() into a throwing call.
function safe(counter: CounterMetric): void {
  try {
    counter.inc();
  } catch {}
}
