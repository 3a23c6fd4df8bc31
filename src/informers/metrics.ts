import type { Clock, ClockTimer } from '../common/clock.js';
import type { CounterMetric, SettableGaugeMetric } from '../workqueue/metrics.js';
import type { ReflectorPhase, ReflectorStats } from './reflector.js';

/** Where an informer error came from, for `onError` and the errors metric. */
export type InformerErrorSource = ReflectorPhase | 'handler' | 'queue' | 'process';

/**
 * Creates the metrics of one named informer (asked once, when the informer starts, and only
 * when it has a provider). The provider decides names and labels; the prom-client one is
 * `PrometheusInformerMetricsProvider`.
 * - lists: successful LISTs or watch-list syncs, the first included;
 * - relists: lists after the first (each follows a 410, an undecodable stream or an error);
 * - watches: watch requests started;
 * - events: ADDED/MODIFIED/DELETED events applied to the cache;
 * - errors: errors reported to `onError`, per source;
 * - handler lag: seconds the oldest notification not yet delivered to the slowest handler has
 *   waited (0 when every handler is caught up), refreshed every second;
 * - handler backlog: notifications queued for handlers and not yet delivered, summed over
 *   handlers, refreshed every second.
 */
export interface InformerMetricsProvider {
  newListsMetric(name: string): CounterMetric;
  newRelistsMetric(name: string): CounterMetric;
  newWatchesMetric(name: string): CounterMetric;
  newEventsMetric(name: string): CounterMetric;
  newErrorsMetric(name: string, source: InformerErrorSource): CounterMetric;
  newHandlerLagMetric(name: string): SettableGaugeMetric;
  newHandlerBacklogMetric(name: string): SettableGaugeMetric;
}

/** How often the handler lag and backlog gauges are refreshed. */
export const HANDLER_METRICS_UPDATE_PERIOD_MS = 1000;

/** What the gauges are computed from: the informer's registrations. */
interface Backlogged {
  readonly backlog: number;
  lagMs(): number;
}

/**
 * The metrics one running informer updates. Every call is contained: a broken provider costs
 * the metric, never the informer.
 */
export class InformerMetrics {
  private readonly counters: Partial<Record<keyof ReflectorStats, CounterMetric>>;
  private readonly errors = new Map<InformerErrorSource, CounterMetric | undefined>();
  private readonly lag: SettableGaugeMetric | undefined;
  private readonly backlog: SettableGaugeMetric | undefined;
  private timer: ClockTimer | undefined;

  private constructor(
    private readonly provider: InformerMetricsProvider,
    private readonly name: string,
  ) {
    this.counters = {
      lists: safely(() => provider.newListsMetric(name)),
      relists: safely(() => provider.newRelistsMetric(name)),
      watches: safely(() => provider.newWatchesMetric(name)),
      events: safely(() => provider.newEventsMetric(name)),
    };
    this.lag = safely(() => provider.newHandlerLagMetric(name));
    this.backlog = safely(() => provider.newHandlerBacklogMetric(name));
  }

  /** Metrics for `name` from `provider`; undefined (nothing to update) without a provider. */
  static create(provider: InformerMetricsProvider | undefined, name: string): InformerMetrics | undefined {
    return provider ? new InformerMetrics(provider, name) : undefined;
  }

  /** A reflector counter went up by one. */
  counted(stat: keyof ReflectorStats): void {
    const counter = this.counters[stat];
    if (counter) safely(() => counter.inc());
  }

  error(source: InformerErrorSource): void {
    let counter = this.errors.get(source);
    if (!this.errors.has(source)) {
      counter = safely(() => this.provider.newErrorsMetric(this.name, source));
      this.errors.set(source, counter);
    }
    if (counter) safely(() => counter.inc());
  }

  /** Refreshes the handler gauges now and every period until {@link stop}. */
  start(clock: Clock, handlers: () => Iterable<Backlogged>): void {
    const refresh = () => {
      let lagMs = 0;
      let queued = 0;
      for (const handler of handlers()) {
        lagMs = Math.max(lagMs, handler.lagMs());
        queued += handler.backlog;
      }
      safely(() => this.lag?.set(lagMs / 1000));
      safely(() => this.backlog?.set(queued));
      this.timer = clock.setTimeout(refresh, HANDLER_METRICS_UPDATE_PERIOD_MS);
    };
    refresh();
  }

  /** Stops refreshing; the gauges keep their last values. */
  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}

function safely<R>(fn: () => R): R | undefined {
  try {
    return fn();
  } catch {
    // Metrics are never worth an informer.
    return undefined;
  }
}
