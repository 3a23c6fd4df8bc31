import { describe, expect, it } from 'vitest';
import { Queue } from '../../../src/workqueue/queue.js';

/** Lets every resolved promise's continuations run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

async function getItem<T>(q: Queue<T>): Promise<T> {
  const r = await q.get();
  if (r.shutdown) throw new Error('unexpected shutdown');
  return r.item;
}

/** Settles a promise's state without waiting for it: 'pending' | 'fulfilled' | 'rejected'. */
async function stateOf(p: Promise<unknown>): Promise<string> {
  let state = 'pending';
  p.then(
    () => {
      state = 'fulfilled';
    },
    () => {
      state = 'rejected';
    },
  );
  await flush();
  return state;
}

describe('Queue', () => {
  it('hands items out in the order they were first added', async () => {
    const q = new Queue();
    for (const k of ['a', 'b', 'c']) q.add(k);
    expect(q.len()).toBe(3);
    expect([await getItem(q), await getItem(q), await getItem(q)]).toEqual(['a', 'b', 'c']);
    expect(q.len()).toBe(0);
  });

  it('queues an item once however often it is added while waiting, keeping its first position', async () => {
    const q = new Queue();
    q.add('a');
    q.add('b');
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(await getItem(q)).toBe('a');
    expect(await getItem(q)).toBe('b');
    expect(q.len()).toBe(0);
  });

  it('does not grow under a steady stream of duplicates', () => {
    const q = new Queue();
    for (let i = 0; i < 100_000; i++) q.add(`k${i % 10}`);
    expect(q.len()).toBe(10);
  });

  it('does not queue an item added while it is processing, and re-queues it exactly once after done', async () => {
    const q = new Queue();
    q.add('a');
    const item = await getItem(q);
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0);
    q.done(item);
    expect(q.len()).toBe(1);
    expect(await getItem(q)).toBe('a');
    q.done('a');
    expect(q.len()).toBe(0);
    expect(await stateOf(q.get())).toBe('pending');
  });

  it('never hands an item that is processing to a second getter', async () => {
    const q = new Queue();
    q.add('a');
    await getItem(q);
    const second = q.get();
    q.add('a');
    expect(await stateOf(second)).toBe('pending');
    q.add('b');
    expect(await second).toEqual({ item: 'b', shutdown: false });
  });

  it('resolves waiting getters in the order they started waiting', async () => {
    const q = new Queue();
    const got: string[] = [];
    const waiters = [1, 2, 3].map((n) => q.get().then((r) => got.push(`${n}:${r.item}`)));
    q.add('x');
    q.add('y');
    q.add('z');
    await Promise.all(waiters);
    expect(got).toEqual(['1:x', '2:y', '3:z']);
  });

  it('hands an item re-queued by done to a waiting getter', async () => {
    const q = new Queue();
    q.add('a');
    await getItem(q);
    q.add('a');
    const waiting = q.get();
    q.done('a');
    expect(await waiting).toEqual({ item: 'a', shutdown: false });
    expect(q.len()).toBe(0);
  });

  it('ignores done for an item that is not processing (a double done cannot duplicate it)', async () => {
    const q = new Queue();
    q.done('never-added');
    q.add('a');
    await getItem(q);
    q.add('a');
    q.done('a');
    q.done('a');
    expect(q.len()).toBe(1);
    expect(await getItem(q)).toBe('a');
    expect(q.len()).toBe(0);
  });

  it('lets a getter give up with an AbortSignal without losing the next item', async () => {
    const q = new Queue();
    const ac = new AbortController();
    const abandoned = q.get(ac.signal);
    ac.abort(new Error('stop waiting'));
    await expect(abandoned).rejects.toThrow('stop waiting');
    q.add('a');
    expect(q.len()).toBe(1);
    expect(await getItem(q)).toBe('a');
  });

  it('rejects at once for an already aborted signal without taking a queued item', async () => {
    const q = new Queue();
    const aborted = AbortSignal.abort(new Error('gone'));
    await expect(q.get(aborted)).rejects.toThrow('gone');
    q.add('a');
    await expect(q.get(aborted)).rejects.toThrow('gone');
    expect(q.len()).toBe(1);
    expect(await getItem(q)).toBe('a');
  });

  it('keeps the other getters in order when one in the middle gives up', async () => {
    const q = new Queue();
    const ac = new AbortController();
    const got: string[] = [];
    const first = q.get().then((r) => got.push(`first:${r.item}`));
    const middle = q.get(ac.signal);
    const last = q.get().then((r) => got.push(`last:${r.item}`));
    ac.abort(new Error('gave up'));
    await expect(middle).rejects.toThrow('gave up');
    q.add('x');
    q.add('y');
    await Promise.all([first, last]);
    expect(got).toEqual(['first:x', 'last:y']);
  });

  it('delivers to a signal-carrying getter and detaches from the signal', async () => {
    const q = new Queue();
    const ac = new AbortController();
    const pending = q.get(ac.signal);
    q.add('a');
    expect(await pending).toEqual({ item: 'a', shutdown: false });
    ac.abort();
    q.add('b');
    expect(q.len()).toBe(1);
  });

  describe('shutDown', () => {
    it('ignores later adds, hands out what is queued, then reports shutdown', async () => {
      const q = new Queue();
      q.add('a');
      q.shutDown();
      expect(q.shuttingDown()).toBe(true);
      q.add('b');
      expect(q.len()).toBe(1);
      expect(await q.get()).toEqual({ item: 'a', shutdown: false });
      expect(await q.get()).toEqual({ item: undefined, shutdown: true });
    });

    it('wakes idle getters with shutdown', async () => {
      const q = new Queue();
      const waiting = [q.get(), q.get()];
      q.shutDown();
      for (const r of await Promise.all(waiting)) expect(r.shutdown).toBe(true);
    });

    it('still re-queues an item that was re-added while processing', async () => {
      const q = new Queue();
      q.add('a');
      await getItem(q);
      q.add('a');
      q.shutDown();
      q.done('a');
      expect(await q.get()).toEqual({ item: 'a', shutdown: false });
    });

    it('is idempotent', () => {
      const q = new Queue();
      q.shutDown();
      q.shutDown();
      expect(q.shuttingDown()).toBe(true);
    });
  });

  describe('shutDownWithDrain', () => {
    it('resolves at once when nothing is queued or processing', async () => {
      const q = new Queue();
      await q.shutDownWithDrain();
      expect(q.shuttingDown()).toBe(true);
    });

    it('waits for in-flight items to be done', async () => {
      const q = new Queue();
      q.add('a');
      q.add('b');
      const a = await getItem(q);
      const b = await getItem(q);
      const drained = q.shutDownWithDrain();
      expect(await stateOf(drained)).toBe('pending');
      q.done(a);
      expect(await stateOf(drained)).toBe('pending');
      q.done(b);
      expect(await stateOf(drained)).toBe('fulfilled');
    });

    it('waits for queued items and for items re-added while processing', async () => {
      const q = new Queue();
      q.add('a');
      q.add('b');
      await getItem(q); // a
      q.add('a');
      const drained = q.shutDownWithDrain();
      q.done('a'); // re-queued: a is dirty again
      expect(await stateOf(drained)).toBe('pending');
      expect(await getItem(q)).toBe('b');
      q.done('b');
      expect(await stateOf(drained)).toBe('pending');
      expect(await getItem(q)).toBe('a');
      q.done('a');
      expect(await stateOf(drained)).toBe('fulfilled');
    });

    it('is ended early by shutDown', async () => {
      const q = new Queue();
      q.add('a');
      await getItem(q);
      const first = q.shutDownWithDrain();
      const second = q.shutDownWithDrain();
      expect(await stateOf(first)).toBe('pending');
      q.shutDown();
      expect(await stateOf(first)).toBe('fulfilled');
      expect(await stateOf(second)).toBe('fulfilled');
    });

    it('wakes idle getters with shutdown', async () => {
      const q = new Queue();
      const waiting = q.get();
      await q.shutDownWithDrain();
      expect((await waiting).shutdown).toBe(true);
    });
  });

  describe('typed items', () => {
    interface Ref {
      namespace: string;
      name: string;
    }
    const keyOf = (r: Ref) => `${r.namespace}/${r.name}`;

    it('deduplicates by key and hands out the first added value', async () => {
      const q = new Queue<Ref>({ keyOf });
      const first = { namespace: 'ns', name: 'a' };
      q.add(first);
      q.add({ namespace: 'ns', name: 'a' });
      q.add({ namespace: 'ns', name: 'b' });
      expect(q.len()).toBe(2);
      expect(await getItem(q)).toBe(first);
    });

    it('recognises a different object with the same key in done', async () => {
      const q = new Queue<Ref>({ keyOf });
      q.add({ namespace: 'ns', name: 'a' });
      await getItem(q);
      const readded = { namespace: 'ns', name: 'a' };
      q.add(readded);
      expect(q.len()).toBe(0);
      q.done({ namespace: 'ns', name: 'a' });
      expect(await getItem(q)).toBe(readded);
    });

    it('accepts numbers as their own keys', async () => {
      const q = new Queue<number>();
      q.add(1);
      q.add(2);
      q.add(1);
      expect(q.len()).toBe(2);
      expect(await getItem(q)).toBe(1);
    });

    it('requires keyOf for items that are not keys (compile-time)', () => {
      // @ts-expect-error objects need a key function
      const q = new Queue<Ref>();
      expect(q.len()).toBe(0);
    });
  });
});
