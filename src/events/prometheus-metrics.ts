import { Counter, Gauge, register as globalRegistry, type Registry } from 'prom-client';
import { sharedMetric } from '../common/shared-metric.js';
import type { CounterMetric, EventDropReason, EventMetricsProvider, GaugeMetric } from './metrics.js';

/** Options of {@link PrometheusEventMetricsProvider}. */
export interface PrometheusEventMetricsProviderOptions {
  /** Registry to register the `kubekit_events_*` metrics in (default: prom-client's global registry). */
  registry?: Registry;
}

/**
 * An {@link EventMetricsProvider} on prom-client. Every metric has a `component` label (the
 * broadcaster's component); dropped events also a `reason`:
 * `kubekit_events_emitted_total`, `kubekit_events_written_total`,
 * `kubekit_events_dropped_total{reason}`, `kubekit_events_aggregated_total`,
 * `kubekit_events_spam_filtered_total`, `kubekit_events_write_errors_total`,
 * `kubekit_events_queue_depth`. Already registered metrics of those names are reused, so several
 * broadcasters may share a registry.
 */
export class PrometheusEventMetricsProvider implements EventMetricsProvider {
  private readonly registry: Registry;

  constructor(options: PrometheusEventMetricsProviderOptions = {}) {
    this.registry = options.registry ?? globalRegistry;
  }

  newEmittedMetric(component: string): CounterMetric {
    return this.counter('kubekit_events_emitted_total', 'Events recorded by the component.').labels(
      component,
    );
  }

  newWrittenMetric(component: string): CounterMetric {
    return this.counter(
      'kubekit_events_written_total',
      'Event creates and count updates the API server accepted.',
    ).labels(component);
  }

  newDroppedMetric(component: string, reason: EventDropReason): CounterMetric {
    return this.counter(
      'kubekit_events_dropped_total',
      'Events lost: invalid, queue full, write failed or shut down.',
      ['component', 'reason'],
    ).labels(component, reason);
  }

  newAggregatedMetric(component: string): CounterMetric {
    return this.counter(
      'kubekit_events_aggregated_total',
      'Events folded into a combined event of similar events.',
    ).labels(component);
  }

  newSpamFilteredMetric(component: string): CounterMetric {
    return this.counter(
      'kubekit_events_spam_filtered_total',
      'Event writes refused by the per-object rate limit.',
    ).labels(component);
  }

  newWriteErrorsMetric(component: string): CounterMetric {
    return this.counter('kubekit_events_write_errors_total', 'Failed event write attempts.').labels(
      component,
    );
  }

  newQueueDepthMetric(component: string): GaugeMetric {
    const config = {
      name: 'kubekit_events_queue_depth',
      help: 'Event writes waiting for the API server.',
      labelNames: ['component'],
    };
    return sharedMetric(this.registry, Gauge, config, owner).labels(component);
  }

  private counter(name: string, help: string, labelNames: string[] = ['component']): Counter<string> {
    return sharedMetric(this.registry, Counter, { name, help, labelNames }, owner);
  }
}

const owner = 'PrometheusEventMetricsProvider';
