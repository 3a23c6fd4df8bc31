/**
 * kubekit/workqueue: deduplicating work queues, delays, rate limiters, metrics and the worker
 * helpers controllers are built from.
 *
 * @packageDocumentation
 */
export { DelayingQueue, type DelayingWorkQueue } from './delaying-queue.js';
export { TerminalError } from './errors.js';
export type {
  CounterMetric,
  GaugeMetric,
  HistogramMetric,
  MetricsProvider,
  SettableGaugeMetric,
} from './metrics.js';
export { type ParallelizeOptions, parallelize } from './parallelize.js';
export { PrometheusMetricsProvider, type PrometheusMetricsProviderOptions } from './prometheus-metrics.js';
export {
  type BaseQueueOptions,
  type GetResult,
  Queue,
  type QueueArgs,
  type QueueKey,
  type QueueOptions,
  type WorkQueue,
} from './queue.js';
export {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  defaultItemBasedRateLimiter,
  type FailureTrackingOptions,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
  type RateLimiter,
  WithMaxWaitRateLimiter,
} from './rate-limiters.js';
export {
  RateLimitingQueue,
  type RateLimitingQueueArgs,
  type RateLimitingQueueOptions,
  type RateLimitingWorkQueue,
} from './rate-limiting-queue.js';
export { type RunWorkersOptions, runWorkers, type WorkHandler } from './workers.js';
