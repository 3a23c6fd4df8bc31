import { Counter, Gauge, register as globalRegistry, Histogram, type Registry } from 'prom-client';
import { sharedMetric } from '../common/shared-metric.js';
import type {
  CounterMetric,
  GaugeMetric,
  HistogramMetric,
  MetricsProvider,
  SettableGaugeMetric,
} from './metrics.js';

/** Options of {@link PrometheusMetricsProvider}. */
export interface PrometheusMetricsProviderOptions {
  /** Registry to register the `workqueue_*` metrics in (default: prom-client's global registry). */
  registry?: Registry;
}

// Kubernetes' buckets for both durations: 10 ns up to 10 s, factor 10 (component-base).
const DURATION_BUCKETS = Array.from({ length: 10 }, (_, i) => 1e-8 * 10 ** i);

const LABELS = ['name'] as const;
type Label = (typeof LABELS)[number];

/**
 * A {@link MetricsProvider} on prom-client, with the metric names, help texts, `name` label and
 * histogram buckets of Kubernetes' own workqueue metrics, so dashboards built for
 * kube-controller-manager work unchanged:
 * `workqueue_depth`, `workqueue_adds_total`, `workqueue_queue_duration_seconds`,
 * `workqueue_work_duration_seconds`, `workqueue_unfinished_work_seconds`,
 * `workqueue_longest_running_processor_seconds`, `workqueue_retries_total`.
 *
 * Metrics are registered on first use. Several providers (or queues) may share a registry: an
 * already registered `workqueue_*` metric is reused rather than registered twice. Queue names
 * should be unique; two queues with one name share (and muddle) their series.
 */
export class PrometheusMetricsProvider implements MetricsProvider {
  private readonly registry: Registry;

  constructor(options: PrometheusMetricsProviderOptions = {}) {
    this.registry = options.registry ?? globalRegistry;
  }

  newDepthMetric(name: string): GaugeMetric {
    return this.gauge('workqueue_depth', 'Current depth of workqueue').labels(name);
  }

  newAddsMetric(name: string): CounterMetric {
    return this.counter('workqueue_adds_total', 'Total number of adds handled by workqueue').labels(name);
  }

  newLatencyMetric(name: string): HistogramMetric {
    return this.histogram(
      'workqueue_queue_duration_seconds',
      'How long in seconds an item stays in workqueue before being requested.',
    ).labels(name);
  }

  newWorkDurationMetric(name: string): HistogramMetric {
    return this.histogram(
      'workqueue_work_duration_seconds',
      'How long in seconds processing an item from workqueue takes.',
    ).labels(name);
  }

  newUnfinishedWorkSecondsMetric(name: string): SettableGaugeMetric {
    return this.gauge(
      'workqueue_unfinished_work_seconds',
      "How many seconds of work has done that is in progress and hasn't been observed by work_duration. " +
        'Large values indicate stuck threads. One can deduce the number of stuck threads by observing ' +
        'the rate at which this increases.',
    ).labels(name);
  }

  newLongestRunningProcessorSecondsMetric(name: string): SettableGaugeMetric {
    return this.gauge(
      'workqueue_longest_running_processor_seconds',
      'How many seconds has the longest running processor for workqueue been running.',
    ).labels(name);
  }

  newRetriesMetric(name: string): CounterMetric {
    return this.counter('workqueue_retries_total', 'Total number of retries handled by workqueue').labels(
      name,
    );
  }

  private gauge(name: string, help: string): Gauge<Label> {
    return sharedMetric(this.registry, Gauge<Label>, { name, help, labelNames: LABELS }, owner);
  }

  private counter(name: string, help: string): Counter<Label> {
    return sharedMetric(this.registry, Counter<Label>, { name, help, labelNames: LABELS }, owner);
  }

  private histogram(name: string, help: string): Histogram<Label> {
    const config = { name, help, labelNames: LABELS, buckets: DURATION_BUCKETS };
    return sharedMetric(this.registry, Histogram<Label>, config, owner);
  }
}

const owner = 'PrometheusMetricsProvider';
