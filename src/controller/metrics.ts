import { Counter, Gauge, register as globalRegistry, Histogram, type Registry } from 'prom-client';

/** The outcome of one reconcile, as the `result` label of `controller_runtime_reconcile_total`. */
export type ReconcileOutcome = 'success' | 'error' | 'requeue' | 'requeue_after';

/** Where a controller reports its reconciles. */
export interface ControllerMetrics {
  reconciled(controller: string, outcome: ReconcileOutcome, seconds: number): void;
  activeWorkers(controller: string, delta: number): void;
  maxConcurrentReconciles(controller: string, workers: number): void;
}

/** Reports nothing: the default. */
export const noControllerMetrics: ControllerMetrics = {
  reconciled() {},
  activeWorkers() {},
  maxConcurrentReconciles() {},
};

/**
 * prom-client metrics with controller-runtime's names, so existing dashboards work:
 * `controller_runtime_reconcile_total{controller,result}`,
 * `controller_runtime_reconcile_errors_total{controller}`,
 * `controller_runtime_reconcile_time_seconds{controller}`,
 * `controller_runtime_active_workers{controller}`,
 * `controller_runtime_max_concurrent_reconciles{controller}`.
 * Metrics already registered in the registry are reused.
 */
export function prometheusControllerMetrics(registry: Registry = globalRegistry): ControllerMetrics {
  const reuse = <M>(name: string, make: () => M): M =>
    (registry.getSingleMetric(name) as M | undefined) ?? make();
  const total = reuse(
    'controller_runtime_reconcile_total',
    () =>
      new Counter({
        name: 'controller_runtime_reconcile_total',
        help: 'Total number of reconciliations per controller',
        labelNames: ['controller', 'result'],
        registers: [registry],
      }),
  );
  const errors = reuse(
    'controller_runtime_reconcile_errors_total',
    () =>
      new Counter({
        name: 'controller_runtime_reconcile_errors_total',
        help: 'Total number of reconciliation errors per controller',
        labelNames: ['controller'],
        registers: [registry],
      }),
  );
  const time = reuse(
    'controller_runtime_reconcile_time_seconds',
    () =>
      new Histogram({
        name: 'controller_runtime_reconcile_time_seconds',
        help: 'Length of time per reconciliation per controller',
        labelNames: ['controller'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        registers: [registry],
      }),
  );
  const active = reuse(
    'controller_runtime_active_workers',
    () =>
      new Gauge({
        name: 'controller_runtime_active_workers',
        help: 'Number of currently used workers per controller',
        labelNames: ['controller'],
        registers: [registry],
      }),
  );
  const max = reuse(
    'controller_runtime_max_concurrent_reconciles',
    () =>
      new Gauge({
        name: 'controller_runtime_max_concurrent_reconciles',
        help: 'Maximum number of concurrent reconciles per controller',
        labelNames: ['controller'],
        registers: [registry],
      }),
  );
  return {
    reconciled(controller, outcome, seconds) {
      total.labels(controller, outcome).inc();
      if (outcome === 'error') errors.labels(controller).inc();
      time.labels(controller).observe(seconds);
    },
    activeWorkers(controller, delta) {
      active.labels(controller).inc(delta);
    },
    maxConcurrentReconciles(controller, workers) {
      max.labels(controller).set(workers);
    },
  };
}
