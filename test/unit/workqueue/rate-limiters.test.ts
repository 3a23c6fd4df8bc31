import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/common/errors.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  defaultItemBasedRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
  type RateLimiter,
  WithMaxWaitRateLimiter,
} from '../../../src/workqueue/rate-limiters.js';

const times = (limiter: RateLimiter, key: string, n: number) =>
  Array.from({ length: n }, () => limiter.when(key));

describe('ItemExponentialFailureRateLimiter', () => {
  it('doubles from the base delay per failure of a key', () => {
    const limiter = new ItemExponentialFailureRateLimiter(1, 1000);
    expect(times(limiter, 'one', 5)).toEqual([1, 2, 4, 8, 16]);
    expect(limiter.numRequeues('one')).toBe(5);
  });

  it('caps at the max delay', () => {
    const limiter = new ItemExponentialFailureRateLimiter(5, 1_000_000);
    const delays = times(limiter, 'k', 20);
    expect(delays.slice(0, 3)).toEqual([5, 10, 20]);
    // 5·2^17 = 655,360 ms is the last one below 1000 s.
    expect(delays[17]).toBe(655_360);
    expect(delays[18]).toBe(1_000_000);
    expect(delays[19]).toBe(1_000_000);
  });

  it('stays capped (and finite) after thousands of failures, also with a zero base', () => {
    const limiter = new ItemExponentialFailureRateLimiter(5, 60_000);
    const zero = new ItemExponentialFailureRateLimiter(0, 60_000);
    let last = 0;
    let lastZero = -1;
    for (let i = 0; i < 3000; i++) {
      last = limiter.when('k');
      lastZero = zero.when('k');
    }
    expect(last).toBe(60_000);
    expect(lastZero).toBe(0);
  });

  it('tracks keys independently and forget resets one key', () => {
    const limiter = new ItemExponentialFailureRateLimiter(1, 1000);
    times(limiter, 'one', 3);
    expect(limiter.when('two')).toBe(1);
    limiter.forget('one');
    expect(limiter.numRequeues('one')).toBe(0);
    expect(limiter.when('one')).toBe(1);
    expect(limiter.when('two')).toBe(2);
  });

  it('bounds memory by forgetting the least recently failed key beyond maxTrackedItems', () => {
    const limiter = new ItemExponentialFailureRateLimiter(1, 1000, { maxTrackedItems: 3 });
    for (const k of ['a', 'b', 'c']) times(limiter, k, 2);
    expect(limiter.numRequeues('a')).toBe(2); // asking does not refresh 'a'
    limiter.when('b'); // 'b' failed again: now most recent
    limiter.when('d'); // evicts 'a', the least recently failed
    expect(limiter.numRequeues('a')).toBe(0);
    expect(limiter.numRequeues('b')).toBe(3);
    expect(limiter.numRequeues('c')).toBe(2);
    expect(limiter.numRequeues('d')).toBe(1);
    expect(limiter.when('a')).toBe(1);
  });

  it('rejects invalid configuration with a ConfigError', () => {
    expect(() => new ItemExponentialFailureRateLimiter(-1, 10)).toThrow(ConfigError);
    expect(() => new ItemExponentialFailureRateLimiter(1, Number.POSITIVE_INFINITY)).toThrow(ConfigError);
    expect(() => new ItemExponentialFailureRateLimiter(1, 10, { maxTrackedItems: 0 })).toThrow(ConfigError);
  });
});

describe('ItemFastSlowRateLimiter', () => {
  it('returns the fast delay for the first attempts, then the slow one, until forget', () => {
    const limiter = new ItemFastSlowRateLimiter(5, 10_000, 3);
    expect(times(limiter, 'k', 5)).toEqual([5, 5, 5, 10_000, 10_000]);
    expect(limiter.numRequeues('k')).toBe(5);
    expect(limiter.when('other')).toBe(5);
    limiter.forget('k');
    expect(limiter.numRequeues('k')).toBe(0);
    expect(limiter.when('k')).toBe(5);
  });

  it('with zero fast attempts is always slow', () => {
    expect(times(new ItemFastSlowRateLimiter(1, 7, 0), 'k', 2)).toEqual([7, 7]);
  });
});

describe('BucketRateLimiter', () => {
  it('lets a burst through, then spaces calls by 1/qps while time stands still', () => {
    const clock = new FakeClock();
    const limiter = new BucketRateLimiter(10, 100, clock);
    const delays = Array.from({ length: 103 }, (_, i) => limiter.when(`k${i}`));
    expect(delays.slice(0, 100).every((d) => d === 0)).toBe(true);
    expect(delays.slice(100)).toEqual([100, 200, 300]);
  });

  it('takes a token per call, even for the same key', () => {
    const clock = new FakeClock();
    const limiter = new BucketRateLimiter(1, 2, clock);
    expect(times(limiter, 'same', 4)).toEqual([0, 0, 1000, 2000]);
  });

  it('refills at qps and repays debt as time passes', () => {
    const clock = new FakeClock();
    const limiter = new BucketRateLimiter(10, 100, clock);
    for (let i = 0; i < 102; i++) limiter.when('k'); // 2 tokens in debt
    clock.step(100); // +1 token → 1 in debt
    expect(limiter.when('k')).toBe(200);
    clock.step(1000); // +10 tokens → 8 available
    expect(times(limiter, 'k', 8)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(limiter.when('k')).toBe(100);
  });

  it('never holds more than burst tokens', () => {
    const clock = new FakeClock();
    const limiter = new BucketRateLimiter(10, 5, clock);
    clock.step(3_600_000);
    expect(times(limiter, 'k', 6)).toEqual([0, 0, 0, 0, 0, 100]);
  });

  it('keeps no per-key state', () => {
    const limiter = new BucketRateLimiter(10, 1, new FakeClock());
    limiter.when('k');
    limiter.when('k');
    expect(limiter.numRequeues('k')).toBe(0);
    limiter.forget('k');
    expect(limiter.when('k')).toBe(200);
  });

  it('rejects invalid configuration with a ConfigError', () => {
    expect(() => new BucketRateLimiter(0, 10)).toThrow(ConfigError);
    expect(() => new BucketRateLimiter(10, 0)).toThrow(ConfigError);
    expect(() => new BucketRateLimiter(10, 1.5)).toThrow(ConfigError);
  });
});

describe('MaxOfRateLimiter', () => {
  it('asks every limiter and returns the longest delay', () => {
    const fast = new ItemFastSlowRateLimiter(5, 3000, 3);
    const exp = new ItemExponentialFailureRateLimiter(1, 1000);
    const limiter = new MaxOfRateLimiter(fast, exp);
    expect(times(limiter, 'k', 6)).toEqual([5, 5, 5, 3000, 3000, 3000]);
    expect(fast.numRequeues('k')).toBe(6);
    expect(exp.numRequeues('k')).toBe(6);
    expect(limiter.numRequeues('k')).toBe(6);
  });

  it('forgets in every limiter and reports the largest count', () => {
    const a = new ItemExponentialFailureRateLimiter(1, 1000);
    const b = new ItemExponentialFailureRateLimiter(1, 1000);
    const limiter = new MaxOfRateLimiter(a, b);
    b.when('k');
    limiter.when('k');
    expect(limiter.numRequeues('k')).toBe(2);
    limiter.forget('k');
    expect(a.numRequeues('k')).toBe(0);
    expect(b.numRequeues('k')).toBe(0);
  });

  it('needs at least one limiter', () => {
    expect(() => new MaxOfRateLimiter()).toThrow(ConfigError);
  });
});

describe('WithMaxWaitRateLimiter', () => {
  it('caps the inner delay but keeps its count', () => {
    const inner = new ItemExponentialFailureRateLimiter(100, 100_000);
    const limiter = new WithMaxWaitRateLimiter(inner, 350);
    expect(times(limiter, 'k', 4)).toEqual([100, 200, 350, 350]);
    expect(limiter.numRequeues('k')).toBe(4);
    limiter.forget('k');
    expect(inner.numRequeues('k')).toBe(0);
  });
});

describe('default limiters', () => {
  it('controller limiter: exponential from 5 ms per key, under a 10 qps / burst 100 bucket', () => {
    const clock = new FakeClock();
    const limiter = defaultControllerRateLimiter(clock);
    expect(times(limiter, 'k', 4)).toEqual([5, 10, 20, 40]);
    for (let i = 0; i < 96; i++) expect(limiter.when(`other-${i}`)).toBe(5);
    // The bucket is empty now: the 101st call waits 100 ms although the key is new.
    expect(limiter.when('fresh')).toBe(100);
    expect(limiter.numRequeues('k')).toBe(4);
    limiter.forget('k');
    expect(limiter.numRequeues('k')).toBe(0);
  });

  it('controller limiter caps per-item backoff at 1000 s', () => {
    const limiter = defaultControllerRateLimiter(new FakeClock());
    let last = 0;
    for (let i = 0; i < 30; i++) last = limiter.when('k');
    expect(last).toBe(1_000_000);
  });

  it('item-based limiter: exponential from 1 ms', () => {
    expect(times(defaultItemBasedRateLimiter(), 'k', 3)).toEqual([1, 2, 4]);
  });
});
