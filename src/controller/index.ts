/**
 * kubekit/controller: write a reconcile function, kubekit does the rest — a rate-limited,
 * de-duplicating reconcile loop fed by shared informers (`Controller`), the helpers every
 * operator needs (finalizers, owner references, status with conflict retry), and a `Manager`
 * that runs controllers behind leader election with health, readiness and metrics endpoints.
 *
 * @packageDocumentation
 */

export { TerminalError } from '../workqueue/errors.js';
export { applyOwned } from './apply-owned.js';
export { Controller, type ControllerOptions } from './controller.js';
export {
  addFinalizer,
  type FinalizerStep,
  handleFinalizer,
  hasFinalizer,
  removeFinalizer,
} from './finalizers.js';
export {
  type HealthCheck,
  Manager,
  type ManagerLeaderElection,
  type ManagerOptions,
  managerDefaultRateLimit,
  type Runnable,
  shutdownSignal,
} from './manager.js';
export {
  type ControllerMetrics,
  noControllerMetrics,
  prometheusControllerMetrics,
  type ReconcileOutcome,
} from './metrics.js';
export { setControllerReference } from './owner-reference.js';
export {
  annotationsChanged,
  anyOf,
  generationChanged,
  labelsChanged,
  type Predicate,
  resourceVersionChanged,
} from './predicates.js';
export {
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
  requestFromKey,
  requestKey,
} from './reconciler.js';
export { setCondition, updateStatusWithRetry } from './status.js';
