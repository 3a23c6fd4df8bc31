import { register as globalRegistry, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { noControllerMetrics, prometheusControllerMetrics } from '../../../src/controller/index.js';

const names = [
  'controller_runtime_active_workers',
  'controller_runtime_max_concurrent_reconciles',
  'controller_runtime_reconcile_errors_total',
  'controller_runtime_reconcile_time_seconds',
  'controller_runtime_reconcile_total',
];

/** The value of one sample of a metric, by its labels (undefined when absent). */
async function sample(registry: Registry, name: string, labels: Record<string, string>, metricName = name) {
  const metric = registry.getSingleMetric(name);
  if (!metric) return undefined;
  const { values } = await metric.get();
  const match = values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? name) === metricName &&
      Object.entries(labels).every(([k, val]) => v.labels[k] === val) &&
      Object.keys(v.labels).filter((k) => k !== 'le').length === Object.keys(labels).length,
  );
  return match?.value;
}

describe('prometheusControllerMetrics', () => {
  afterEach(() => {
    for (const name of names) globalRegistry.removeSingleMetric(name);
  });

  it("registers controller-runtime's metric names, types and labels in the given registry", async () => {
    const registry = new Registry();
    prometheusControllerMetrics(registry);
    const metrics = await registry.getMetricsAsJSON();
    expect(metrics.map((m) => m.name).sort()).toEqual(names);
    const byName = Object.fromEntries(metrics.map((m) => [m.name, m]));
    expect(byName.controller_runtime_reconcile_total?.type).toBe('counter');
    expect(byName.controller_runtime_reconcile_errors_total?.type).toBe('counter');
    expect(byName.controller_runtime_reconcile_time_seconds?.type).toBe('histogram');
    expect(byName.controller_runtime_active_workers?.type).toBe('gauge');
    expect(byName.controller_runtime_max_concurrent_reconciles?.type).toBe('gauge');
    // Nothing leaks into the global registry when a registry is given.
    expect(globalRegistry.getSingleMetric('controller_runtime_reconcile_total')).toBeUndefined();
  });

  it('counts reconciles by controller and result, errors apart, and observes their duration', async () => {
    const registry = new Registry();
    const m = prometheusControllerMetrics(registry);
    m.reconciled('widgets', 'success', 0.02);
    m.reconciled('widgets', 'success', 0.2);
    m.reconciled('widgets', 'error', 3);
    m.reconciled('widgets', 'requeue_after', 0.001);
    m.reconciled('gadgets', 'requeue', 0.5);

    const total = 'controller_runtime_reconcile_total';
    expect(await sample(registry, total, { controller: 'widgets', result: 'success' })).toBe(2);
    expect(await sample(registry, total, { controller: 'widgets', result: 'error' })).toBe(1);
    expect(await sample(registry, total, { controller: 'widgets', result: 'requeue_after' })).toBe(1);
    expect(await sample(registry, total, { controller: 'widgets', result: 'requeue' })).toBeUndefined();
    expect(await sample(registry, total, { controller: 'gadgets', result: 'requeue' })).toBe(1);

    const errors = 'controller_runtime_reconcile_errors_total';
    expect(await sample(registry, errors, { controller: 'widgets' })).toBe(1);
    expect(await sample(registry, errors, { controller: 'gadgets' })).toBeUndefined();

    const time = 'controller_runtime_reconcile_time_seconds';
    expect(await sample(registry, time, { controller: 'widgets' }, `${time}_count`)).toBe(4);
    expect(await sample(registry, time, { controller: 'widgets' }, `${time}_sum`)).toBeCloseTo(3.221, 9);
    expect(await sample(registry, time, { controller: 'gadgets' }, `${time}_count`)).toBe(1);

    const text = await registry.metrics();
    expect(text).toContain(`${time}_bucket{le="0.025",controller="widgets"} 2`);
    expect(text).toContain(`${time}_bucket{le="2.5",controller="widgets"} 3`);
    expect(text).toContain(`${time}_bucket{le="5",controller="widgets"} 4`);
    expect(text).toContain(`${time}_bucket{le="+Inf",controller="widgets"} 4`);
  });

  it('tracks active workers as a gauge moved by deltas and sets the configured maximum', async () => {
    const registry = new Registry();
    const m = prometheusControllerMetrics(registry);
    m.maxConcurrentReconciles('widgets', 4);
    m.activeWorkers('widgets', 1);
    m.activeWorkers('widgets', 1);
    m.activeWorkers('widgets', 1);
    m.activeWorkers('widgets', -1);
    m.activeWorkers('gadgets', 1);
    expect(await sample(registry, 'controller_runtime_active_workers', { controller: 'widgets' })).toBe(2);
    expect(await sample(registry, 'controller_runtime_active_workers', { controller: 'gadgets' })).toBe(1);
    expect(
      await sample(registry, 'controller_runtime_max_concurrent_reconciles', { controller: 'widgets' }),
    ).toBe(4);
    m.maxConcurrentReconciles('widgets', 2);
    expect(
      await sample(registry, 'controller_runtime_max_concurrent_reconciles', { controller: 'widgets' }),
    ).toBe(2);
  });

  it('reuses the metrics already in the registry, so two providers add to the same series', async () => {
    const registry = new Registry();
    const a = prometheusControllerMetrics(registry);
    const b = prometheusControllerMetrics(registry);
    a.reconciled('widgets', 'success', 0.1);
    b.reconciled('widgets', 'success', 0.1);
    b.activeWorkers('widgets', 1);
    a.activeWorkers('widgets', 1);
    expect(
      await sample(registry, 'controller_runtime_reconcile_total', {
        controller: 'widgets',
        result: 'success',
      }),
    ).toBe(2);
    expect(await sample(registry, 'controller_runtime_active_workers', { controller: 'widgets' })).toBe(2);
    expect((await registry.getMetricsAsJSON()).map((m) => m.name).sort()).toEqual(names);
  });

  it('registers in the global prom-client registry by default', async () => {
    const m = prometheusControllerMetrics();
    for (const name of names) expect(globalRegistry.getSingleMetric(name)).toBeDefined();
    m.reconciled('default-registry', 'error', 0.3);
    expect(
      await sample(globalRegistry, 'controller_runtime_reconcile_errors_total', {
        controller: 'default-registry',
      }),
    ).toBe(1);
  });
});

describe('noControllerMetrics', () => {
  it('accepts every report and registers nothing', async () => {
    noControllerMetrics.reconciled('x', 'error', 1);
    noControllerMetrics.activeWorkers('x', 1);
    noControllerMetrics.maxConcurrentReconciles('x', 1);
    expect(globalRegistry.getSingleMetric('controller_runtime_reconcile_total')).toBeUndefined();
  });
});
