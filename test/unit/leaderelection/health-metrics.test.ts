import { describe, expect, it } from 'vitest';
import type { LeaderElectionMetricsProvider } from '../../../src/leaderelection/index.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { startCandidate } from './support/candidate.js';
import { settle, stickyClock } from './support/clocks.js';
import { MemoryLockServer } from './support/memory-lock.js';

class RecordingMetrics implements LeaderElectionMetricsProvider {
  status = new Map<string, number[]>();
  transitions = new Map<string, number>();
  slowpath = new Map<string, number>();
  newLeaderStatusMetric(name: string) {
    const values: number[] = [];
    this.status.set(name, values);
    return { set: (v: number) => void values.push(v) };
  }
  newLeaderTransitionsMetric(name: string) {
    this.transitions.set(name, 0);
    return { inc: () => void this.transitions.set(name, this.transitions.get(name)! + 1) };
  }
  newSlowpathMetric(name: string) {
    this.slowpath.set(name, 0);
    return { inc: () => void this.slowpath.set(name, this.slowpath.get(name)! + 1) };
  }
}

describe('LeaderElector.check (healthz watchdog)', () => {
  it('passes while not leading and while renewing; fails once a leader has not renewed for lease + timeout', async () => {
    const fake = new FakeClock();
    const clock = stickyClock(fake);
    const server = new MemoryLockServer(clock);
    const a = startCandidate(server.lock('a'), clock, { watchdogTimeoutMs: 1000 });
    expect(a.elector.check()).toBeUndefined();
    await fake.advance(10_000);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.elector.check()).toBeUndefined();
    // A wedged loop: timers stop firing, so neither renewals nor the deadline happen.
    clock.stuck = true;
    await fake.advance(4000); // last renewal started at 10 000; lease 3000 + watchdog 1000
    expect(a.elector.isLeader()).toBe(true);
    expect(a.elector.check()).toBeUndefined();
    await fake.advance(1);
    expect(a.elector.check()?.message).toMatch(/last renewed 4001 ms ago.*4000 ms/);
    clock.stuck = false;
    a.controller.abort();
    await a.done;
    expect(a.elector.check()).toBeUndefined();
  });

  it('a follower is always healthy', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const a = startCandidate(server.lock('a'), clock);
    await settle();
    const b = startCandidate(server.lock('b'), clock, { watchdogTimeoutMs: 0 });
    await clock.advance(60_000);
    expect(b.elector.check()).toBeUndefined();
    a.controller.abort();
    b.controller.abort();
    await Promise.all([a.done, b.done]);
  });
});

describe('LeaderElector metrics', () => {
  it('reports leader status, observed transitions and slow-path renewals per election name', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const metrics = new RecordingMetrics();
    const a = startCandidate(server.lock('a'), clock, { name: 'ctrl', metrics });
    await clock.advance(1000);
    expect(metrics.status.get('ctrl')).toEqual([0, 1]);
    expect(metrics.transitions.get('ctrl')).toBe(1);
    // Someone else writes the object (same holder): the next optimistic renewal conflicts.
    server.rv++;
    await clock.advance(500);
    expect(metrics.slowpath.get('ctrl')).toBe(1);
    expect(a.elector.isLeader()).toBe(true);
    server.fault('a', { mode: 'hang' });
    await clock.advance(3000);
    expect(metrics.status.get('ctrl')).toEqual([0, 1, 0]);
    await a.done;
  });

  it('creates no metrics without a name, and survives a provider that throws', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const unnamed = new RecordingMetrics();
    const a = startCandidate(server.lock('a'), clock, { metrics: unnamed });
    expect(unnamed.status.size).toBe(0);
    const broken: LeaderElectionMetricsProvider = {
      newLeaderStatusMetric: () => ({
        set: () => {
          throw new Error('metrics down');
        },
      }),
      newLeaderTransitionsMetric: () => ({
        inc: () => {
          throw new Error('metrics down');
        },
      }),
    };
    const b = startCandidate(new MemoryLockServer(clock).lock('b'), clock, { name: 'b', metrics: broken });
    await clock.advance(1000);
    expect(b.elector.isLeader()).toBe(true);
    a.controller.abort();
    b.controller.abort();
    await Promise.all([a.done, b.done]);
  });
});
