import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/common/errors.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { PrometheusMetricsProvider } from '../../../src/workqueue/prometheus-metrics.js';
import { RateLimitingQueue } from '../../../src/workqueue/rate-limiting-queue.js';

async function sampleValue(
  registry: Registry,
  metric: string,
  labels: Record<string, string>,
): Promise<number> {
  const found = await registry.getSingleMetric(metric)?.get();
  const sample = found?.values.find(
    (v) =>
      (v as { metricName?: string }).metricName === undefined &&
      Object.entries(labels).every(([k, val]) => v.labels[k] === val),
  );
  if (sample === undefined) throw new Error(`no sample of ${metric} with ${JSON.stringify(labels)}`);
  return sample.value;
}

describe('PrometheusMetricsProvider', () => {
  it('exposes the workqueue_* series with a name label', async () => {
    const registry = new Registry();
    const clock = new FakeClock();
    const metricsProvider = new PrometheusMetricsProvider({ registry });
    const q = new RateLimitingQueue({ name: 'pods', metricsProvider, clock });

    q.add('a');
    q.add('b');
    clock.step(2);
    const r = await q.get();
    clock.step(3);
    q.done(r.item!);
    q.addRateLimited('a'); // back after 5 ms
    clock.step(500);

    expect(await sampleValue(registry, 'workqueue_depth', { name: 'pods' })).toBe(2);
    expect(await sampleValue(registry, 'workqueue_adds_total', { name: 'pods' })).toBe(3);
    expect(await sampleValue(registry, 'workqueue_retries_total', { name: 'pods' })).toBe(1);
    expect(await sampleValue(registry, 'workqueue_unfinished_work_seconds', { name: 'pods' })).toBe(0);
    expect(await sampleValue(registry, 'workqueue_longest_running_processor_seconds', { name: 'pods' })).toBe(
      0,
    );

    const text = await registry.metrics();
    expect(text).toContain('workqueue_queue_duration_seconds_count{name="pods"} 1');
    expect(text).toContain('workqueue_queue_duration_seconds_sum{name="pods"} 0.002');
    expect(text).toContain('workqueue_work_duration_seconds_sum{name="pods"} 0.003');
    expect(text).toContain('workqueue_work_duration_seconds_bucket{le="0.01",name="pods"} 1');
    expect(text).toContain('workqueue_work_duration_seconds_bucket{le="0.001",name="pods"} 0');
    q.shutDown();
  });

  it('uses the Kubernetes buckets: 10 ns to 10 s by powers of ten', async () => {
    const registry = new Registry();
    new PrometheusMetricsProvider({ registry }).newLatencyMetric('q').observe(0.5);
    const text = await registry.metrics();
    const les = [...text.matchAll(/workqueue_queue_duration_seconds_bucket\{le="([^"]+)"/g)].map((m) => m[1]);
    expect(les).toEqual([
      '1e-8',
      '1e-7',
      '0.000001',
      '0.00001',
      '0.0001',
      '0.001',
      '0.01',
      '0.1',
      '1',
      '10',
      '+Inf',
    ]);
  });

  it('lets several queues and providers share one registry', async () => {
    const registry = new Registry();
    const clock = new FakeClock();
    const a = new RateLimitingQueue({
      name: 'a',
      metricsProvider: new PrometheusMetricsProvider({ registry }),
      clock,
    });
    const b = new RateLimitingQueue({
      name: 'b',
      metricsProvider: new PrometheusMetricsProvider({ registry }),
      clock,
    });
    a.add('x');
    b.add('x');
    b.add('y');
    expect(await sampleValue(registry, 'workqueue_adds_total', { name: 'a' })).toBe(1);
    expect(await sampleValue(registry, 'workqueue_adds_total', { name: 'b' })).toBe(2);
    a.shutDown();
    b.shutDown();
  });

  it('refuses a registry that has a workqueue_* metric of another type', () => {
    const registry = new Registry();
    new Gauge({ name: 'workqueue_adds_total', help: 'not a counter', registers: [registry] });
    expect(() => new PrometheusMetricsProvider({ registry }).newAddsMetric('q')).toThrow(ConfigError);
  });
});
