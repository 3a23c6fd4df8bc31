import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/client/api-error.js';
import { InformerMetrics, type InformerMetricsProvider } from '../../../src/informers/metrics.js';
import { PrometheusInformerMetricsProvider } from '../../../src/informers/prometheus-metrics.js';
import { SharedIndexInformer } from '../../../src/informers/shared-informer.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import type { CounterMetric, SettableGaugeMetric } from '../../../src/workqueue/metrics.js';
import { cm, list, ScriptedListWatch, until } from './scripted-list-watch.js';

const fastBackoff = { reflector: { backoff: { initialMs: 1, maxMs: 5, jitter: 0 } } };

/** The value of one series of a metric in `registry`. */
async function value(registry: Registry, metric: string, labels: Record<string, string>): Promise<number> {
  const found = (await registry.getSingleMetric(metric)?.get())?.values.find((v) =>
    Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  );
  return found?.value ?? Number.NaN;
}

describe('informer metrics', () => {
  it('counts lists, relists, watches, events and errors by source in Prometheus', async () => {
    const gone = new ApiError({ kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
    const lw = new ScriptedListWatch(
      [list('10', [cm('a', '10')]), list('20', [cm('a', '10'), cm('b', '20')])],
      [
        [{ type: 'ADDED', object: cm('b', '20') }, gone],
        [{ type: 'ADDED', object: cm('c', '21') }, 'hang'],
      ],
    );
    const registry = new Registry();
    const informer = new SharedIndexInformer(lw, {
      ...fastBackoff,
      name: 'configmaps in ns',
      metrics: new PrometheusInformerMetricsProvider({ registry }),
      onError: () => {},
    });
    informer.addEventHandler({
      onAdd: (obj) => {
        if (obj.metadata?.name === 'c') throw new Error('handler bug');
      },
    });
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    await until(() => informer.indexer.getByKey('ns/c') !== undefined, 'the second watch');
    await new Promise((r) => setImmediate(r));
    const name = { name: 'configmaps in ns' };
    expect(await value(registry, 'kubekit_informer_lists_total', name)).toBe(2);
    expect(await value(registry, 'kubekit_informer_relists_total', name)).toBe(1);
    expect(await value(registry, 'kubekit_informer_watches_total', name)).toBe(2);
    expect(await value(registry, 'kubekit_informer_events_total', name)).toBe(2);
    expect(await value(registry, 'kubekit_informer_errors_total', { ...name, source: 'handler' })).toBe(1);
    expect(await value(registry, 'kubekit_informer_handler_backlog', name)).toBe(0);
    stop.abort();
    await running;
  });

  it('refreshes handler lag and backlog every second from the slowest handler, until stopped', () => {
    const clock = new FakeClock();
    const gauges = new Map<string, number>();
    const gauge = (key: string): SettableGaugeMetric => ({ set: (v) => void gauges.set(key, v) });
    const counter: CounterMetric = { inc() {} };
    const provider: InformerMetricsProvider = {
      newListsMetric: () => counter,
      newRelistsMetric: () => counter,
      newWatchesMetric: () => counter,
      newEventsMetric: () => counter,
      newErrorsMetric: () => counter,
      newHandlerLagMetric: (name) => gauge(`lag ${name}`),
      newHandlerBacklogMetric: (name) => gauge(`backlog ${name}`),
    };
    const handlers = [
      { backlog: 3, lagMs: () => 250 },
      { backlog: 4, lagMs: () => 1500 },
    ];
    const metrics = InformerMetrics.create(provider, 'x')!;
    metrics.start(clock, () => handlers);
    expect(gauges.get('lag x')).toBe(1.5);
    expect(gauges.get('backlog x')).toBe(7);
    handlers.pop();
    clock.step(999);
    expect(gauges.get('backlog x')).toBe(7);
    clock.step(1);
    expect(gauges.get('lag x')).toBe(0.25);
    expect(gauges.get('backlog x')).toBe(3);
    metrics.stop();
    expect(clock.pendingTimers()).toBe(0);
    expect(InformerMetrics.create(undefined, 'x')).toBeUndefined();
  });

  it('survives a provider that throws', async () => {
    const broken = () => {
      throw new Error('provider bug');
    };
    const throwing: CounterMetric = {
      inc() {
        throw new Error('counter bug');
      },
    };
    const provider: InformerMetricsProvider = {
      newListsMetric: () => throwing,
      newRelistsMetric: broken,
      newWatchesMetric: () => throwing,
      newEventsMetric: broken,
      newErrorsMetric: () => throwing,
      newHandlerLagMetric: broken,
      newHandlerBacklogMetric: () => ({ set: broken }),
    };
    const lw = new ScriptedListWatch(
      [list('1', [cm('a', '1')])],
      [[{ type: 'ADDED', object: cm('b', '2') }, 'hang']],
    );
    const informer = new SharedIndexInformer(lw, { ...fastBackoff, metrics: provider, onError: () => {} });
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    await until(() => informer.indexer.getByKey('ns/b') !== undefined, 'the watch event');
    expect(informer.stats).toMatchObject({ lists: 1, watches: 1, events: 1 });
    stop.abort();
    await running;
  });
});
