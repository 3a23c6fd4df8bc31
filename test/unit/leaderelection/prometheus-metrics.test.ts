import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PrometheusLeaderElectionMetricsProvider } from '../../../src/leaderelection/index.js';

describe('PrometheusLeaderElectionMetricsProvider', () => {
  it("exposes client-go's leader_election_master_status and slow-path names, labelled by election", async () => {
    const registry = new Registry();
    const provider = new PrometheusLeaderElectionMetricsProvider({ registry });
    provider.newLeaderStatusMetric('a').set(1);
    provider.newLeaderStatusMetric('b').set(0);
    provider.newLeaderTransitionsMetric('a').inc();
    provider.newSlowpathMetric('a').inc();
    // A second provider on the same registry reuses the metrics.
    new PrometheusLeaderElectionMetricsProvider({ registry }).newLeaderTransitionsMetric('a').inc();
    const text = await registry.metrics();
    expect(text).toContain('leader_election_master_status{name="a"} 1');
    expect(text).toContain('leader_election_master_status{name="b"} 0');
    expect(text).toContain('leader_election_transitions_total{name="a"} 2');
    expect(text).toContain('leader_election_slowpath_total{name="a"} 1');
  });

  it('refuses a registry where a name is taken by another metric type', () => {
    const registry = new Registry();
    new Counter({ name: 'leader_election_master_status', help: 'x', registers: [registry] });
    expect(() =>
      new PrometheusLeaderElectionMetricsProvider({ registry }).newLeaderStatusMetric('a'),
    ).toThrow(/registry of its own/);
  });
});
