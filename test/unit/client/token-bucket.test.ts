import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../src/client/token-bucket.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';

describe('TokenBucket', () => {
  it('lets a burst through at once, then one request per 1/qps seconds, in FIFO order', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(5, 2, clock);
    const done: number[] = [];
    const all = [0, 1, 2, 3, 4].map((i) => bucket.acquire().then(() => done.push(i)));
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(done).toEqual([0, 1]);
    await clock.advance(199);
    expect(done).toEqual([0, 1]);
    await clock.advance(1);
    expect(done).toEqual([0, 1, 2]);
    await clock.advance(400);
    await Promise.all(all);
    expect(done).toEqual([0, 1, 2, 3, 4]);
  });

  it('never waits when disabled (qps <= 0)', async () => {
    const bucket = new TokenBucket(-1, 0, new FakeClock());
    expect(bucket.disabled).toBe(true);
    for (let i = 0; i < 1000; i++) await bucket.acquire();
  });

  it('rejects an aborted waiter without blocking the ones behind it', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(1, 1, clock);
    await bucket.acquire();
    const controller = new AbortController();
    const first = bucket.acquire(controller.signal);
    const second = bucket.acquire();
    controller.abort(new Error('gone'));
    await expect(first).rejects.toThrow('gone');
    await clock.advance(1000);
    await expect(second).resolves.toBeUndefined();
  });
});
