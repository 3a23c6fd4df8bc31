import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { ItemExponentialFailureRateLimiter } from '../../../src/workqueue/rate-limiters.js';
import { RateLimitingQueue } from '../../../src/workqueue/rate-limiting-queue.js';

describe('RateLimitingQueue', () => {
  it('delays addRateLimited by the limiter and counts requeues until forget', async () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue({ clock, rateLimiter: new ItemExponentialFailureRateLimiter(10, 1000) });

    q.addRateLimited('a');
    expect(q.numRequeues('a')).toBe(1);
    clock.step(9);
    expect(q.len()).toBe(0);
    clock.step(1);
    expect(q.len()).toBe(1);
    const r = await q.get();
    q.done(r.item!);

    q.addRateLimited('a');
    expect(q.numRequeues('a')).toBe(2);
    clock.step(19);
    expect(q.len()).toBe(0);
    clock.step(1);
    expect(q.len()).toBe(1);

    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
    expect(q.len()).toBe(1); // forget touches the limiter only, not the queue
  });

  it('uses the default controller limiter when none is given', () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue({ clock });
    q.addRateLimited('a');
    q.addRateLimited('a');
    expect(q.numRequeues('a')).toBe(2);
    expect(clock.nextTimerAt()).toBe(5);
    clock.step(5);
    expect(q.len()).toBe(1);
  });

  it('does not consult the limiter once shutting down', () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue({ clock });
    q.shutDown();
    q.addRateLimited('a');
    expect(q.numRequeues('a')).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('gives the limiter the key of a typed item', () => {
    const clock = new FakeClock();
    const rateLimiter = new ItemExponentialFailureRateLimiter(1, 100);
    const q = new RateLimitingQueue<{ ns: string; name: string }>({
      clock,
      rateLimiter,
      keyOf: (x) => `${x.ns}/${x.name}`,
    });
    q.addRateLimited({ ns: 'default', name: 'web' });
    q.addRateLimited({ ns: 'default', name: 'web' });
    expect(rateLimiter.numRequeues('default/web')).toBe(2);
    expect(q.numRequeues({ ns: 'default', name: 'web' })).toBe(2);
    q.forget({ ns: 'default', name: 'web' });
    expect(rateLimiter.numRequeues('default/web')).toBe(0);
  });
});
