/**
 * kubekit/events: record Kubernetes Events about objects without ever blocking the caller.
 * An {@link EventBroadcaster} owns the queue, the correlator (aggregation, counting, spam filter)
 * and the background writer; its recorders are what controllers call.
 *
 * ```ts
 * const broadcaster = new EventBroadcaster({ kube, component: 'tenant-operator' });
 * void broadcaster.start(signal);
 * const recorder = broadcaster.newRecorder({ defaultType: Tenants });
 * recorder.event(tenant, 'Normal', 'Provisioned', 'namespace and quota created');
 * // on the way out:
 * await broadcaster.shutdown();
 * ```
 *
 * @packageDocumentation
 */

export { COMBINED_PREFIX, EventAggregator, type EventAggregatorOptions } from './aggregator.js';
export { coreV1Patch, eventsV1Patch, microTime, toCoreV1, toEventsV1 } from './api-objects.js';
export {
  EventBroadcaster,
  type EventBroadcasterOptions,
  type FlushOptions,
} from './broadcaster.js';
export {
  type Correlation,
  type CorrelationOutcome,
  type CorrelatorOptions,
  EventCorrelator,
} from './correlator.js';
export { EventError, type EventErrorReason } from './errors.js';
export { EventNamer } from './event-name.js';
export type { EventRecord, EventWrite } from './event-record.js';
export { EventSeries } from './event-series.js';
export { FakeEventRecorder, type RecordedEvent } from './fake-recorder.js';
export { KubeEventSink } from './kube-sink.js';
export type {
  CounterMetric,
  EventDropReason,
  EventMetricsProvider,
  EventStats,
  GaugeMetric,
} from './metrics.js';
export { objectReference } from './object-reference.js';
export {
  PrometheusEventMetricsProvider,
  type PrometheusEventMetricsProviderOptions,
} from './prometheus-metrics.js';
export type { RecorderOptions } from './recorder.js';
export type { EventRetryOptions } from './retry.js';
export type { EventSink } from './sink.js';
export { SpamFilter, type SpamFilterOptions } from './spam-filter.js';
export type {
  EventApiVersion,
  EventOptions,
  EventRecorder,
  EventSubject,
  EventType,
  ObjectReference,
} from './types.js';
