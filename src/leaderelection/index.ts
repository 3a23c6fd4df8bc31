/**
 * kubekit/leaderelection: leader election on Lease, ConfigMap, Endpoints and Multi locks with
 * client-go's semantics, a health check, metrics and the standard command-line flags.
 *
 * @packageDocumentation
 */
export {
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
  DEFAULT_WATCHDOG_TIMEOUT_MS,
  JITTER_FACTOR,
  type LeaderCallbacks,
  type LeaderElectionConfig,
  type LeaderElectionTimings,
  validateLeaderElectionConfig,
} from './config.js';
export { ConfigMapLock } from './configmap-lock.js';
export { EndpointsLock } from './endpoints-lock.js';
export { LeadershipLostError } from './errors.js';
export {
  DEFAULT_LEADER_ELECTION_FLAGS,
  type LeaderElectionFlags,
  parseLeaderElectionFlags,
} from './flags.js';
export { formatGoDuration, parseGoDuration } from './go-duration.js';
export { LeaderElector } from './leader-elector.js';
export { LeaseLock } from './lease-lock.js';
export type { LeaderElectionMetricsProvider } from './metrics.js';
export { MultiLock } from './multi-lock.js';
export { newResourceLock, RESOURCE_LOCK_TYPES, type ResourceLockType } from './new-resource-lock.js';
export {
  PrometheusLeaderElectionMetricsProvider,
  type PrometheusLeaderElectionMetricsProviderOptions,
} from './prometheus-metrics.js';
export {
  formatMicroTime,
  LEADER_ANNOTATION,
  type LeaderElectionRecord,
  toMicroTime,
  toRfc3339Seconds,
  UNKNOWN_LEADER,
} from './record.js';
export type {
  LockEventRecorder,
  LockSnapshot,
  ResourceLock,
  ResourceLockOptions,
} from './resource-lock.js';
