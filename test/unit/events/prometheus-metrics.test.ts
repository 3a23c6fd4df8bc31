import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EventBroadcaster } from '../../../src/events/broadcaster.js';
import { PrometheusEventMetricsProvider } from '../../../src/events/prometheus-metrics.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { FakeSink, pod } from './support.js';

describe('PrometheusEventMetricsProvider', () => {
  it('exports the broadcaster’s counters per component, drops per reason', async () => {
    const registry = new Registry();
    const metrics = new PrometheusEventMetricsProvider({ registry });
    const sink = new FakeSink();
    sink.hang = true;
    const b = new EventBroadcaster({
      sink,
      component: 'ctl',
      instance: 'h',
      clock: new FakeClock(),
      metrics,
      queueSize: 1,
    });
    // A second broadcaster on the same registry reuses the metrics.
    new EventBroadcaster({
      sink,
      component: 'other',
      instance: 'h',
      metrics: new PrometheusEventMetricsProvider({ registry }),
    });
    const r = b.newRecorder();
    r.event(pod('a'), 'Normal', 'R', 'm');
    r.event(pod('b'), 'Normal', 'R', 'm');
    r.event(pod('c'), 'Nope' as 'Normal', 'R', 'm');
    const text = await registry.metrics();
    expect(text).toContain('kubekit_events_emitted_total{component="ctl"} 2');
    expect(text).toContain('kubekit_events_dropped_total{component="ctl",reason="queue_full"} 1');
    expect(text).toContain('kubekit_events_dropped_total{component="ctl",reason="invalid"} 1');
    expect(text).toContain('kubekit_events_queue_depth{component="ctl"} 1');
    await b.shutdown();
    expect(await registry.metrics()).toContain('kubekit_events_queue_depth{component="ctl"} 0');
  });
});
