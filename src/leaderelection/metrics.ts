import type { CounterMetric, SettableGaugeMetric } from '../workqueue/metrics.js';

/**
 * Creates the metrics of one named election (like the workqueue's provider, and used the same
 * way: asked once, when an elector with a `name` and a provider is constructed). The prom-client
 * one is {@link PrometheusLeaderElectionMetricsProvider}.
 * - leader status: 1 while this process leads the election, else 0 (client-go's
 *   `leader_election_master_status`);
 * - transitions: each time this process observes the lock change hands (a different non-empty
 *   holder, including itself);
 * - slow path: renewals that could not use the cached object and had to read the lock first
 *   (client-go's `leader_election_slowpath_total`).
 */
export interface LeaderElectionMetricsProvider {
  newLeaderStatusMetric(name: string): SettableGaugeMetric;
  newLeaderTransitionsMetric(name: string): CounterMetric;
  newSlowpathMetric?(name: string): CounterMetric;
}

/** The metrics one elector updates; every call is contained so a broken provider cannot stop an election. */
export class ElectionMetrics {
  private constructor(
    private readonly status: SettableGaugeMetric | undefined,
    private readonly transitions: CounterMetric | undefined,
    private readonly slowpath: CounterMetric | undefined,
  ) {}

  /** Metrics for `name` from `provider`; inert without a provider. */
  static create(provider: LeaderElectionMetricsProvider | undefined, name: string): ElectionMetrics {
    if (!provider) return new ElectionMetrics(undefined, undefined, undefined);
    return new ElectionMetrics(
      provider.newLeaderStatusMetric(name),
      provider.newLeaderTransitionsMetric(name),
      provider.newSlowpathMetric?.(name),
    );
  }

  leading(on: boolean): void {
    safely(() => this.status?.set(on ? 1 : 0));
  }

  transition(): void {
    safely(() => this.transitions?.inc());
  }

  slowpathTaken(): void {
    safely(() => this.slowpath?.inc());
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // Metrics are never worth losing leadership over.
  }
}
