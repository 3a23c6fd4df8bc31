import { Counter, Gauge, register as globalRegistry, type Registry } from 'prom-client';
import { sharedMetric } from '../common/shared-metric.js';
import type { CounterMetric, SettableGaugeMetric } from '../workqueue/metrics.js';
import type { LeaderElectionMetricsProvider } from './metrics.js';

/** Options of {@link PrometheusLeaderElectionMetricsProvider}. */
export interface PrometheusLeaderElectionMetricsProviderOptions {
  /** Registry for the metrics (default: prom-client's global registry). */
  registry?: Registry;
}

/**
 * A {@link LeaderElectionMetricsProvider} on prom-client, labelled by election `name`:
 * `leader_election_master_status` (gauge, 1 while leading; client-go's name, so dashboards for
 * Kubernetes components work), `leader_election_slowpath_total` (client-go's name) and
 * `leader_election_transitions_total` (kubekit's: lock changes of hands this process observed).
 * Metrics are registered on first use and reused when a registry already has them.
 */
export class PrometheusLeaderElectionMetricsProvider implements LeaderElectionMetricsProvider {
  private readonly registry: Registry;

  constructor(options: PrometheusLeaderElectionMetricsProviderOptions = {}) {
    this.registry = options.registry ?? globalRegistry;
  }

  newLeaderStatusMetric(name: string): SettableGaugeMetric {
    return this.metric(
      Gauge,
      'leader_election_master_status',
      "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
    ).labels(name);
  }

  newLeaderTransitionsMetric(name: string): CounterMetric {
    return this.metric(
      Counter,
      'leader_election_transitions_total',
      'Number of times this process observed the lease change hands (a new non-empty holder).',
    ).labels(name);
  }

  newSlowpathMetric(name: string): CounterMetric {
    return this.metric(
      Counter,
      'leader_election_slowpath_total',
      "Total number of slow path exercised in renewing leader leases. 'name' is the string used to identify the lease. Please make sure to group by name.",
    ).labels(name);
  }

  private metric<M extends Gauge<'name'> | Counter<'name'>>(
    kind: new (config: {
      name: string;
      help: string;
      labelNames: readonly 'name'[];
      registers: Registry[];
    }) => M,
    name: string,
    help: string,
  ): M {
    const config = { name, help, labelNames: ['name'] as const };
    return sharedMetric(this.registry, kind, config, 'PrometheusLeaderElectionMetricsProvider');
  }
}
