import { describe, expect, it } from 'vitest';
import type { ClockTimer } from '../../../src/common/clock.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { DelayingQueue } from '../../../src/workqueue/delaying-queue.js';
import type { MetricsProvider } from '../../../src/workqueue/metrics.js';

const noop = () => {};
class NoopProvider implements MetricsProvider {
  newDepthMetric() {
    return { inc: noop, dec: noop };
  }
  newAddsMetric() {
    return { inc: noop };
  }
  newLatencyMetric() {
    return { observe: noop };
  }
  newWorkDurationMetric() {
    return { observe: noop };
  }
  newUnfinishedWorkSecondsMetric() {
    return { set: noop };
  }
  newLongestRunningProcessorSecondsMetric() {
    return { set: noop };
  }
  newRetriesMetric() {
    return { inc: noop };
  }
}

async function drainAll<T>(q: DelayingQueue<T>): Promise<T[]> {
  const out: T[] = [];
  while (q.len() > 0) {
    const r = await q.get();
    if (r.shutdown) break;
    out.push(r.item);
    q.done(r.item);
  }
  return out;
}

/** Deterministic PRNG (mulberry32) so the big ordering test is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('DelayingQueue', () => {
  it('adds an item only once its delay has passed', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter('a', 50);
    expect(q.len()).toBe(0);
    expect(q.waitingLen()).toBe(1);
    clock.step(49);
    expect(q.len()).toBe(0);
    clock.step(1);
    expect(q.len()).toBe(1);
    expect(q.waitingLen()).toBe(0);
    expect(await drainAll(q)).toEqual(['a']);
  });

  it('adds at once for a zero, negative or NaN delay', () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter('a', 0);
    q.addAfter('b', -5);
    q.addAfter('c', Number.NaN);
    expect(q.len()).toBe(3);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('keeps the earliest ready time when an item is added again', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter('a', 100);
    q.addAfter('a', 30);
    q.addAfter('a', 200);
    expect(q.waitingLen()).toBe(1);
    clock.step(30);
    expect(q.len()).toBe(1);
    clock.step(200);
    expect(await drainAll(q)).toEqual(['a']);
    expect(q.len()).toBe(0);
  });

  it('uses a single timer, moved earlier only when the head moves earlier', () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter('a', 100);
    q.addAfter('b', 300);
    expect(clock.pendingTimers()).toBe(1);
    expect(clock.nextTimerAt()).toBe(100);
    q.addAfter('c', 20);
    expect(clock.pendingTimers()).toBe(1);
    expect(clock.nextTimerAt()).toBe(20);
    clock.step(20);
    expect(clock.pendingTimers()).toBe(1);
    expect(clock.nextTimerAt()).toBe(100);
    clock.step(280);
    expect(q.len()).toBe(3);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('orders 100,000 pending items by ready time (ties by add order) with one active timer', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    const random = prng(42);
    const expected: { key: string; at: number; order: number }[] = [];
    for (let i = 0; i < 100_000; i++) {
      const key = `item-${i}`;
      // Integer delays make ties common, which checks the add-order tie-break.
      const at = 1 + Math.floor(random() * 10_000);
      q.addAfter(key, at);
      expected.push({ key, at, order: i });
    }
    expect(clock.pendingTimers()).toBe(1);
    expect(q.waitingLen()).toBe(100_000);
    expected.sort((x, y) => x.at - y.at || x.order - y.order);

    // Walk time forward in uneven steps; at each point exactly the due items are queued.
    const got: string[] = [];
    let due = 0;
    for (const stepMs of [1, 7, 500, 1234, 3000, 5258]) {
      clock.step(stepMs);
      while (due < expected.length && expected[due]!.at <= clock.now()) due++;
      expect(q.len() + got.length).toBe(due);
      expect(clock.pendingTimers()).toBe(due < expected.length ? 1 : 0);
      got.push(...(await drainAll(q)));
    }
    expect(clock.now()).toBe(10_000);
    expect(got).toEqual(expected.map((e) => e.key));
  });

  it('re-queues an item that becomes ready while it is processing, after done', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.add('a');
    const r = await q.get();
    q.addAfter('a', 10);
    clock.step(10);
    expect(q.len()).toBe(0);
    q.done(r.item!);
    expect(q.len()).toBe(1);
  });

  it('shutDown cancels the timer, discards waiting items and ignores later addAfter', () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter('a', 10);
    q.addAfter('b', 20);
    q.shutDown();
    expect(clock.pendingTimers()).toBe(0);
    expect(q.waitingLen()).toBe(0);
    q.addAfter('c', 5);
    q.addAfter('d', 0);
    expect(clock.pendingTimers()).toBe(0);
    clock.step(100);
    expect(q.len()).toBe(0);
  });

  it('shutDownWithDrain also cancels the timer and waits for in-flight items', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.add('a');
    const r = await q.get();
    q.addAfter('b', 10);
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => {
      drained = true;
    });
    expect(clock.pendingTimers()).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    q.done(r.item!);
    await drain;
    expect(drained).toBe(true);
  });

  it('re-arms instead of adding early when the timer fires before the due time', () => {
    // A libuv timer can fire up to a millisecond before performance.now() says it is due, but
    // never sooner than 1 ms after it was set. Emulate the worst case.
    class EarlyClock extends FakeClock {
      override setTimeout(fn: () => void, ms: number): ClockTimer {
        return super.setTimeout(fn, Math.max(1, ms - 1));
      }
    }
    const clock = new EarlyClock();
    const q = new DelayingQueue({ clock });
    q.addAfter('a', 10);
    clock.step(9);
    expect(q.len()).toBe(0);
    expect(clock.pendingTimers()).toBe(1);
    clock.step(1);
    expect(q.len()).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('handles delays beyond the longest platform timer by re-arming', () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    const forty_days = 40 * 24 * 3600 * 1000;
    q.addAfter('far', forty_days);
    expect(clock.nextTimerAt()).toBe(2 ** 31 - 1);
    clock.step(2 ** 31 - 1);
    expect(q.len()).toBe(0);
    expect(clock.pendingTimers()).toBe(1);
    clock.setTime(forty_days - 1);
    expect(q.len()).toBe(0);
    clock.step(1);
    expect(q.len()).toBe(1);
  });

  it('stays correct when one key is re-scheduled earlier thousands of times', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    for (let delay = 10_000; delay > 5_000; delay--) q.addAfter('hot', delay);
    q.addAfter('cold', 5_500);
    expect(q.waitingLen()).toBe(2);
    clock.step(5_000);
    expect(await drainAll(q)).toEqual([]);
    clock.step(1);
    expect(await drainAll(q)).toEqual(['hot']);
    clock.step(10_000);
    expect(await drainAll(q)).toEqual(['cold']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('keeps delivering due items when adding one throws on the timer', () => {
    const clock = new FakeClock();
    const errors: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (msg: string) => void errors.push(msg) };
    let adds = 0;
    const metricsProvider = new (class extends NoopProvider {
      override newAddsMetric() {
        return {
          inc: () => {
            adds++;
            if (adds === 1) throw new Error('flaky metrics backend');
          },
        };
      }
    })();
    const q = new DelayingQueue({ clock, logger, name: 'q', metricsProvider });
    q.addAfter('a', 10);
    q.addAfter('b', 10);
    clock.step(10);
    expect(errors).toEqual(['workqueue: adding a delayed item failed']);
    expect(adds).toBe(2);
    expect(q.len()).toBe(1);
    expect(q.waitingLen()).toBe(0);
    q.shutDown();
  });

  it('never calls the key function from its timer', () => {
    const clock = new FakeClock();
    let calls = 0;
    const q = new DelayingQueue<{ id: string }>({
      clock,
      keyOf: (x) => {
        calls++;
        return x.id;
      },
    });
    q.addAfter({ id: 'a' }, 10);
    q.addAfter({ id: 'b' }, 20);
    q.addAfter({ id: 'a' }, 5);
    expect(calls).toBe(3);
    clock.step(20);
    expect(calls).toBe(3);
    expect(q.len()).toBe(2);
  });

  it('works with typed items and a key function', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue<{ id: string }>({ clock, keyOf: (x) => x.id });
    const early = { id: 'x' };
    q.addAfter({ id: 'x' }, 50);
    q.addAfter(early, 10);
    clock.step(10);
    expect(await drainAll(q)).toEqual([early]);
  });
});
