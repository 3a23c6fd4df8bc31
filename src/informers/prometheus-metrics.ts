import { Counter, Gauge, register as globalRegistry, type Registry } from 'prom-client';
import { sharedMetric } from '../common/shared-metric.js';
import type { CounterMetric, SettableGaugeMetric } from '../workqueue/metrics.js';
import type { InformerErrorSource, InformerMetricsProvider } from './metrics.js';

/** Options of {@link PrometheusInformerMetricsProvider}. */
export interface PrometheusInformerMetricsProviderOptions {
  /** Registry for the `kubekit_informer_*` metrics (default: prom-client's global registry). */
  registry?: Registry;
}

/**
 * An {@link InformerMetricsProvider} on prom-client, every metric labelled with the informer's
 * `name` (the factory names informers `configmaps in default`, `deployments.apps`, …):
 * `kubekit_informer_lists_total`, `kubekit_informer_relists_total`,
 * `kubekit_informer_watches_total`, `kubekit_informer_events_total`,
 * `kubekit_informer_errors_total` (also labelled `source`), `kubekit_informer_handler_lag_seconds`
 * and `kubekit_informer_handler_backlog`. client-go exports no informer metrics of its own any
 * more, hence kubekit's names. Metrics are registered on first use and reused when the
 * registry already has them.
 */
export class PrometheusInformerMetricsProvider implements InformerMetricsProvider {
  private readonly registry: Registry;

  constructor(options: PrometheusInformerMetricsProviderOptions = {}) {
    this.registry = options.registry ?? globalRegistry;
  }

  newListsMetric(name: string): CounterMetric {
    return this.counter('kubekit_informer_lists_total', 'Successful LISTs (or watch-list syncs).').labels(
      name,
    );
  }

  newRelistsMetric(name: string): CounterMetric {
    return this.counter(
      'kubekit_informer_relists_total',
      'Lists after the first one: each follows an expired watch, an undecodable stream or an error.',
    ).labels(name);
  }

  newWatchesMetric(name: string): CounterMetric {
    return this.counter('kubekit_informer_watches_total', 'Watch requests started.').labels(name);
  }

  newEventsMetric(name: string): CounterMetric {
    return this.counter(
      'kubekit_informer_events_total',
      'Watch events (added, modified, deleted) applied to the cache.',
    ).labels(name);
  }

  newErrorsMetric(name: string, source: InformerErrorSource): CounterMetric {
    return this.counter('kubekit_informer_errors_total', 'Errors reported by the informer, by source.', [
      'name',
      'source',
    ]).labels(name, source);
  }

  newHandlerLagMetric(name: string): SettableGaugeMetric {
    return this.gauge(
      'kubekit_informer_handler_lag_seconds',
      'Age of the oldest notification not yet delivered to the slowest event handler.',
    ).labels(name);
  }

  newHandlerBacklogMetric(name: string): SettableGaugeMetric {
    return this.gauge(
      'kubekit_informer_handler_backlog',
      'Notifications queued for event handlers and not yet delivered.',
    ).labels(name);
  }

  private counter(name: string, help: string, labelNames = ['name']): Counter<string> {
    return sharedMetric(this.registry, Counter, { name, help, labelNames }, owner);
  }

  private gauge(name: string, help: string): Gauge<string> {
    return sharedMetric(this.registry, Gauge, { name, help, labelNames: ['name'] }, owner);
  }
}

const owner = 'PrometheusInformerMetricsProvider';
