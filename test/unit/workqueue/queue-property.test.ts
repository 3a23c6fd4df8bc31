import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Queue } from '../../../src/workqueue/queue.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

type Op = { kind: 'add'; key: string } | { kind: 'get'; worker: number } | { kind: 'done'; worker: number };

type WorkerState = { kind: 'idle' } | { kind: 'waiting' } | { kind: 'holding'; key: string };

const KEYS = ['a', 'b', 'c', 'd'];
const WORKERS = 4;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), key: fc.constantFrom(...KEYS) }),
  fc.record({ kind: fc.constant('get' as const), worker: fc.integer({ min: 0, max: WORKERS - 1 }) }),
  fc.record({ kind: fc.constant('done' as const), worker: fc.integer({ min: 0, max: WORKERS - 1 }) }),
);

/**
 * Drives a queue with an arbitrary interleaving of adds and of workers getting and finishing
 * items, then lets the workers run until the queue is empty, checking throughout that
 * - no key is ever held by two workers at once;
 * - every hand-out is justified by an add since the key was last handed out (no duplicates);
 * - every add is eventually followed by a hand-out (nothing lost).
 */
async function runScenario(ops: Op[]): Promise<void> {
  const q = new Queue();
  const workers: WorkerState[] = Array.from({ length: WORKERS }, () => ({ kind: 'idle' }));
  const owed = new Set<string>(); // keys added since their last hand-out
  // Recorded in promise callbacks, asserted by the driver (a throw there would escape the property).
  const violations: string[] = [];

  const startGet = (w: number) => {
    workers[w] = { kind: 'waiting' };
    void q.get().then((r) => {
      if (r.shutdown) {
        workers[w] = { kind: 'idle' };
        return;
      }
      for (const other of workers) {
        if (other.kind === 'holding' && other.key === r.item) violations.push(`two workers hold ${r.item}`);
      }
      if (!owed.has(r.item)) violations.push(`hand-out of ${r.item} without an add`);
      owed.delete(r.item);
      workers[w] = { kind: 'holding', key: r.item };
    });
  };

  for (const op of ops) {
    if (op.kind === 'add') {
      owed.add(op.key);
      q.add(op.key);
    } else if (op.kind === 'get') {
      if (workers[op.worker]!.kind === 'idle') startGet(op.worker);
    } else {
      const state = workers[op.worker]!;
      if (state.kind === 'holding') {
        workers[op.worker] = { kind: 'idle' };
        q.done(state.key);
      }
    }
    await flush();
    expect(violations).toEqual([]);
  }

  // Run every worker to completion: finish what is held, keep getting until nothing is left.
  for (let round = 0; round < 100; round++) {
    let progressed = false;
    for (let w = 0; w < WORKERS; w++) {
      const state = workers[w]!;
      if (state.kind === 'holding') {
        workers[w] = { kind: 'idle' };
        q.done(state.key);
        progressed = true;
      } else if (state.kind === 'idle' && q.len() > 0) {
        startGet(w);
        progressed = true;
      }
    }
    await flush();
    expect(violations).toEqual([]);
    if (!progressed && q.len() === 0) break;
  }
  expect([...owed], 'added keys never handed out').toEqual([]);
  expect(q.len()).toBe(0);
  q.shutDown();
  await flush();
}

describe('Queue under random interleavings', () => {
  it('never gives a key to two workers, never duplicates, never loses an add', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 60 }), async (ops) => {
        await runScenario(ops);
      }),
      { numRuns: 150 },
    );
  });
});
