import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/common/errors.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { TerminalError } from '../../../src/workqueue/errors.js';
import { ItemExponentialFailureRateLimiter } from '../../../src/workqueue/rate-limiters.js';
import { RateLimitingQueue } from '../../../src/workqueue/rate-limiting-queue.js';
import { runWorkers } from '../../../src/workqueue/workers.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function newQueue(clock: FakeClock) {
  return new RateLimitingQueue({ clock, rateLimiter: new ItemExponentialFailureRateLimiter(10, 1000) });
}

describe('runWorkers', () => {
  it('processes every item and forgets it on success', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    const ac = new AbortController();
    const seen: string[] = [];
    q.addRateLimited('a'); // a failure history that success must clear
    clock.step(10);
    q.add('b');
    const run = runWorkers(q, 2, (item) => void seen.push(item), ac.signal);
    await flush();
    expect(seen.sort()).toEqual(['a', 'b']);
    expect(q.numRequeues('a')).toBe(0);
    ac.abort();
    await run;
  });

  it('re-queues a failed item with the rate limiter and reports it', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    const ac = new AbortController();
    const errors: [unknown, string, boolean][] = [];
    let attempts = 0;
    const run = runWorkers(
      q,
      1,
      async () => {
        attempts++;
        if (attempts < 3) throw new Error(`fail ${attempts}`);
      },
      ac.signal,
      { onError: (err, item, requeued) => void errors.push([err, item, requeued]) },
    );
    q.add('a');
    await flush();
    expect(attempts).toBe(1);
    expect(q.numRequeues('a')).toBe(1);
    clock.step(9);
    await flush();
    expect(attempts).toBe(1);
    clock.step(1);
    await flush();
    expect(attempts).toBe(2);
    clock.step(20);
    await flush();
    expect(attempts).toBe(3);
    expect(q.numRequeues('a')).toBe(0);
    expect(errors.map(([err, item, requeued]) => [(err as Error).message, item, requeued])).toEqual([
      ['fail 1', 'a', true],
      ['fail 2', 'a', true],
    ]);
    ac.abort();
    await run;
  });

  it('contains synchronous throws', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    const ac = new AbortController();
    let calls = 0;
    const run = runWorkers(
      q,
      1,
      () => {
        calls++;
        throw new Error('sync');
      },
      ac.signal,
    );
    q.add('a');
    q.add('b');
    await flush();
    expect(calls).toBe(2);
    expect(q.numRequeues('a')).toBe(1);
    expect(q.numRequeues('b')).toBe(1);
    ac.abort();
    await run;
  });

  it('does not re-queue a TerminalError and forgets the item', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    const ac = new AbortController();
    const errors: boolean[] = [];
    q.addRateLimited('a');
    clock.step(10);
    const run = runWorkers(
      q,
      1,
      () => {
        throw new TerminalError('invalid spec');
      },
      ac.signal,
      { onError: (_err, _item, requeued) => void errors.push(requeued) },
    );
    await flush();
    expect(errors).toEqual([false]);
    expect(q.numRequeues('a')).toBe(0);
    expect(q.waitingLen()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    ac.abort();
    await run;
  });

  it('survives an onError that throws, logging it', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    const ac = new AbortController();
    const logged: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (msg: string) => void logged.push(msg) };
    let calls = 0;
    const run = runWorkers(
      q,
      1,
      () => {
        calls++;
        throw new TerminalError('x');
      },
      ac.signal,
      {
        logger,
        onError: () => {
          throw new Error('bad hook');
        },
      },
    );
    q.add('a');
    q.add('b');
    await flush();
    expect(calls).toBe(2);
    expect(logged).toHaveLength(2);
    ac.abort();
    await run;
  });

  it('runs at most n handlers at once, and n when there is enough work', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    const ac = new AbortController();
    const running = new Map<string, Deferred>();
    let peak = 0;
    const run = runWorkers(
      q,
      3,
      async (item) => {
        const d = deferred();
        running.set(item, d);
        peak = Math.max(peak, running.size);
        await d.promise;
        running.delete(item);
      },
      ac.signal,
    );
    for (let i = 0; i < 10; i++) q.add(`k${i}`);
    await flush();
    expect(running.size).toBe(3);
    for (let round = 0; round < 10 && running.size > 0; round++) {
      for (const d of running.values()) d.resolve();
      await flush();
    }
    expect(peak).toBe(3);
    expect(q.len()).toBe(0);
    ac.abort();
    await run;
  });

  it('never runs one key in two handlers, whatever the timing of adds and completions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.constant('finish')), { maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        async (ops, workers) => {
          const q = newQueue(new FakeClock());
          const ac = new AbortController();
          const inFlight = new Map<string, Deferred[]>();
          let overlaps = 0;
          const run = runWorkers(
            q,
            workers,
            async (item) => {
              const list = inFlight.get(item) ?? [];
              if (list.length > 0) overlaps++;
              const d = deferred();
              list.push(d);
              inFlight.set(item, list);
              await d.promise;
              list.splice(list.indexOf(d), 1);
            },
            ac.signal,
          );
          for (const op of ops) {
            if (op === 'finish') {
              const first = [...inFlight.values()].find((l) => l.length > 0);
              first?.[0]?.resolve();
            } else {
              q.add(op);
            }
            await flush();
          }
          for (const list of inFlight.values()) for (const d of list) d.resolve();
          ac.abort();
          await run;
          expect(overlaps).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('on abort: takes no new items, awaits in-flight handlers, does not re-queue their failures, shuts the queue down', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    const ac = new AbortController();
    const started: string[] = [];
    let sawAbort = false;
    const gate = deferred();
    const run = runWorkers(
      q,
      1,
      async (item, signal) => {
        started.push(item);
        await gate.promise;
        sawAbort = signal.aborted;
        throw new Error('cancelled');
      },
      ac.signal,
    );
    q.add('a');
    q.add('b');
    q.addAfter('later', 1000);
    await flush();
    expect(started).toEqual(['a']);

    let finished = false;
    void run.then(() => {
      finished = true;
    });
    ac.abort();
    await flush();
    expect(finished).toBe(false);
    gate.resolve();
    await run;
    expect(sawAbort).toBe(true);
    expect(started).toEqual(['a']);
    expect(q.numRequeues('a')).toBe(0);
    expect(q.shuttingDown()).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('stops idle workers at once on abort', async () => {
    const q = newQueue(new FakeClock());
    const ac = new AbortController();
    const run = runWorkers(q, 4, () => {}, ac.signal);
    await flush();
    ac.abort();
    await run;
    expect(q.shuttingDown()).toBe(true);
  });

  it('finishes what is queued and resolves when the queue is shut down by its owner', async () => {
    const q = newQueue(new FakeClock());
    const seen: string[] = [];
    q.add('a');
    q.add('b');
    q.shutDown();
    await runWorkers(q, 2, (item) => void seen.push(item), new AbortController().signal);
    expect(seen.sort()).toEqual(['a', 'b']);
  });

  it('rejects a worker count that is not a positive integer', async () => {
    const q = newQueue(new FakeClock());
    await expect(runWorkers(q, 0, () => {}, new AbortController().signal)).rejects.toThrow(ConfigError);
    await expect(runWorkers(q, 1.5, () => {}, new AbortController().signal)).rejects.toThrow(ConfigError);
  });
});
