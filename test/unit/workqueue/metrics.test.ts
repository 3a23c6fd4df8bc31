import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { DelayingQueue } from '../../../src/workqueue/delaying-queue.js';
import type { MetricsProvider } from '../../../src/workqueue/metrics.js';
import { Queue } from '../../../src/workqueue/queue.js';
import { RateLimitingQueue } from '../../../src/workqueue/rate-limiting-queue.js';

/** A provider that keeps every value so tests can read them. */
class RecordingProvider implements MetricsProvider {
  depth = 0;
  adds = 0;
  retries = 0;
  latency: number[] = [];
  work: number[] = [];
  unfinished: number | undefined;
  longest: number | undefined;
  names = new Set<string>();

  newDepthMetric(name: string) {
    this.names.add(name);
    return { inc: () => void this.depth++, dec: () => void this.depth-- };
  }
  newAddsMetric() {
    return { inc: () => void this.adds++ };
  }
  newLatencyMetric() {
    return { observe: (s: number) => void this.latency.push(s) };
  }
  newWorkDurationMetric() {
    return { observe: (s: number) => void this.work.push(s) };
  }
  newUnfinishedWorkSecondsMetric() {
    return {
      set: (v: number) => {
        this.unfinished = v;
      },
    };
  }
  newLongestRunningProcessorSecondsMetric() {
    return {
      set: (v: number) => {
        this.longest = v;
      },
    };
  }
  newRetriesMetric() {
    return { inc: () => void this.retries++ };
  }
}

async function take(q: Queue<string>): Promise<string> {
  const r = await q.get();
  if (r.shutdown) throw new Error('unexpected shutdown');
  return r.item;
}

describe('queue metrics', () => {
  it('records depth, adds, queue latency and work duration', async () => {
    const clock = new FakeClock();
    const m = new RecordingProvider();
    const q = new Queue({ name: 'test', metricsProvider: m, clock });
    expect(m.names).toEqual(new Set(['test']));

    q.add('a');
    q.add('b');
    q.add('a'); // duplicate: not an add
    expect(m.adds).toBe(2);
    expect(m.depth).toBe(2);

    clock.step(250);
    const a = await take(q);
    expect(m.depth).toBe(1);
    expect(m.latency).toEqual([0.25]);

    clock.step(1000);
    q.done(a);
    expect(m.work).toEqual([1]);

    const b = await take(q);
    expect(m.latency).toEqual([0.25, 1.25]);
    expect(m.depth).toBe(0);
    q.done(b);
    expect(m.work).toEqual([1, 0]);
  });

  it('counts an add during processing in depth and measures its latency from that add', async () => {
    const clock = new FakeClock();
    const m = new RecordingProvider();
    const q = new Queue({ name: 'test', metricsProvider: m, clock });
    q.add('a');
    await take(q);
    clock.step(100);
    q.add('a');
    expect(m.adds).toBe(2);
    expect(m.depth).toBe(1);
    clock.step(400);
    q.done('a');
    clock.step(500);
    await take(q);
    expect(m.depth).toBe(0);
    expect(m.latency).toEqual([0, 0.9]);
  });

  it('counts a direct hand-off to a waiting getter like any add and get', async () => {
    const clock = new FakeClock();
    const m = new RecordingProvider();
    const q = new Queue({ name: 'test', metricsProvider: m, clock });
    const waiting = q.get();
    q.add('a');
    await waiting;
    expect(m.adds).toBe(1);
    expect(m.depth).toBe(0);
    expect(m.latency).toEqual([0]);
  });

  it('refreshes unfinished work and longest running processor every 500 ms', async () => {
    const clock = new FakeClock();
    const m = new RecordingProvider();
    const q = new Queue({ name: 'test', metricsProvider: m, clock });
    q.add('a');
    await take(q);
    clock.step(1000);
    q.add('b');
    await take(q);
    clock.step(500);
    // a has run 1.5 s, b 0.5 s
    expect(m.unfinished).toBeCloseTo(2, 10);
    expect(m.longest).toBeCloseTo(1.5, 10);
    q.done('a');
    clock.step(500);
    expect(m.unfinished).toBeCloseTo(1, 10);
    expect(m.longest).toBeCloseTo(1, 10);
  });

  it('stops the refresh timer on shutdown', () => {
    const clock = new FakeClock();
    const q = new Queue({ name: 'test', metricsProvider: new RecordingProvider(), clock });
    expect(clock.pendingTimers()).toBe(1);
    q.shutDown();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('keeps refreshing when a provider throws, reporting to the logger', () => {
    const clock = new FakeClock();
    const m = new RecordingProvider();
    let calls = 0;
    m.newUnfinishedWorkSecondsMetric = () => ({
      set: () => {
        calls++;
        throw new Error('boom');
      },
    });
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (msg: string) => void warnings.push(msg) };
    const q = new Queue({ name: 'test', metricsProvider: m, clock, logger });
    clock.step(1500);
    expect(calls).toBe(3);
    expect(warnings).toHaveLength(3);
    q.shutDown();
  });

  it('counts every addAfter as a retry, including zero delays, but not after shutdown', () => {
    const clock = new FakeClock();
    const m = new RecordingProvider();
    const q = new DelayingQueue({ name: 'test', metricsProvider: m, clock });
    q.addAfter('a', 10);
    q.addAfter('a', 5);
    q.addAfter('b', 0);
    expect(m.retries).toBe(3);
    q.shutDown();
    q.addAfter('c', 1);
    expect(m.retries).toBe(3);
  });

  it('counts addRateLimited as a retry', () => {
    const clock = new FakeClock();
    const m = new RecordingProvider();
    const q = new RateLimitingQueue({ name: 'test', metricsProvider: m, clock });
    q.addRateLimited('a');
    expect(m.retries).toBe(1);
    q.shutDown();
  });

  it('records nothing and arms no timer for an unnamed queue', async () => {
    const clock = new FakeClock();
    const m = new RecordingProvider();
    const q = new DelayingQueue({ metricsProvider: m, clock });
    q.add('a');
    q.addAfter('b', 0);
    await take(q);
    q.done('a');
    expect(m.names.size).toBe(0);
    expect(m.adds + m.retries + m.latency.length + m.work.length).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});
