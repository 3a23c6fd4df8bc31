import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Delta, DeltaFIFO } from '../../../src/informers/delta-fifo.js';
import { FIFOClosedError } from '../../../src/informers/errors.js';
import {
  DeletedFinalStateUnknown,
  deletionHandlingMetaNamespaceKeyFunc,
} from '../../../src/informers/keys.js';
import { metaNamespaceIndexFunc, NamespaceIndex, newIndexer } from '../../../src/informers/store.js';
import { applyDeltas, type Obj, obj } from './fifo-helpers.js';

type Op =
  | { kind: 'add' | 'update' | 'delete'; name: string }
  | { kind: 'replace'; names: string[] }
  | { kind: 'resync' }
  | { kind: 'pop'; count: number }
  | { kind: 'wait' }
  | { kind: 'tick' };

const NAMES = ['a', 'b', 'c', 'd', 'e'];
const nameArb = fc.constantFrom(...NAMES);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constantFrom('add' as const, 'update' as const), name: nameArb }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), name: nameArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replace' as const), names: fc.subarray(NAMES) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resync' as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('pop' as const), count: fc.integer({ min: 1, max: 3 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wait' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const) }) },
);

const keyOf = (name: string) => `ns/${name}`;
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Drives a DeltaFIFO with an arbitrary sequence of producer calls (the "server" state is the
 * model: add/update set an object, delete removes it, replace makes the list the whole truth)
 * while an informer-like consumer pops and applies deltas to an indexer that is also the
 * FIFO's knownObjects. After draining, the indexer must equal the model. Along the way:
 * every popped list is non-empty with no two consecutive Deleted, every object (tombstone
 * contents included) went through the transformer exactly once, the transformer ran once per
 * inserted object, and the initial-list flags match the first replace.
 */
async function runScenario(ops: Op[]): Promise<void> {
  const known = newIndexer<Obj>(deletionHandlingMetaNamespaceKeyFunc, {
    [NamespaceIndex]: metaNamespaceIndexFunc,
  });
  let transformCalls = 0;
  const fifo = new DeltaFIFO<Obj>({
    knownObjects: known,
    transformer: (o) => {
      transformCalls++;
      return { ...o, transformed: (o.transformed ?? 0) + 1 };
    },
  });
  const model = new Map<string, Obj>();
  let rv = 0;
  let expectedTransforms = 0;
  let populated = false;
  let initialKeys: number | undefined;
  let initialPops = 0;
  let sawNonInitial = false;
  const violations: string[] = [];
  let waiter: Promise<void> | undefined;

  const process = (deltas: Delta<Obj>[], isInInitialList: boolean) => {
    if (deltas.length === 0) violations.push('empty delta list');
    for (let i = 0; i < deltas.length; i++) {
      const d = deltas[i]!;
      const o = d.object instanceof DeletedFinalStateUnknown ? d.object.obj : d.object;
      if (o.transformed !== 1) violations.push(`${d.type} object transformed ${o.transformed} times`);
      if (i > 0 && d.type === 'Deleted' && deltas[i - 1]!.type === 'Deleted')
        violations.push('double Deleted');
    }
    if (isInInitialList) {
      initialPops++;
      if (sawNonInitial) violations.push('initial pop after a non-initial one');
    } else sawNonInitial = true;
    applyDeltas(known, deltas);
  };

  for (const op of ops) {
    switch (op.kind) {
      case 'add':
      case 'update': {
        const o = obj(op.name, String(++rv));
        model.set(keyOf(op.name), o);
        populated = true;
        expectedTransforms++;
        if (op.kind === 'add') fifo.add(o);
        else fifo.update(o);
        break;
      }
      case 'delete': {
        const key = keyOf(op.name);
        const o = model.get(key) ?? obj(op.name, String(++rv));
        model.delete(key);
        populated = true;
        if (fifo.getByKey(key) !== undefined || known.getByKey(key) !== undefined) expectedTransforms++;
        fifo.delete(o);
        break;
      }
      case 'replace': {
        const list = op.names.map((n) => obj(n, String(++rv)));
        model.clear();
        for (const o of list) model.set(keyOf(o.metadata.name), o);
        expectedTransforms += list.length;
        fifo.replace(list, String(rv));
        if (!populated) {
          populated = true;
          initialKeys = fifo.length;
        }
        break;
      }
      case 'resync':
        fifo.resync();
        break;
      case 'pop':
        // A waiting pop is served from a microtask; let it go first (it stays pending while
        // the queue is empty).
        if (waiter && fifo.length > 0) await waiter;
        for (let i = 0; i < op.count && fifo.length > 0; i++) await fifo.pop(process);
        break;
      case 'wait':
        if (waiter === undefined) {
          waiter = fifo.pop(process).finally(() => {
            waiter = undefined;
          });
        }
        break;
      case 'tick':
        await tick();
        break;
    }
  }

  await tick();
  while (fifo.length > 0) await fifo.pop(process);
  fifo.close();
  if (waiter) await expect(waiter).rejects.toBeInstanceOf(FIFOClosedError);

  expect(violations).toEqual([]);
  expect(transformCalls).toBe(expectedTransforms);
  const final = new Map(known.list().map((o) => [keyOf(o.metadata.name), o.metadata.resourceVersion]));
  const expected = new Map([...model].map(([k, o]) => [k, o.metadata.resourceVersion]));
  expect(final).toEqual(expected);
  expect(known.listIndexFuncValues(NamespaceIndex)).toEqual(model.size > 0 ? ['ns'] : []);
  expect(fifo.hasSynced()).toBe(populated);
  expect(initialPops).toBe(initialKeys ?? 0);
}

describe('DeltaFIFO + indexer property', () => {
  it('the indexer ends equal to the model for any sequence of producer calls and pops', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), (ops) => runScenario(ops)),
      { numRuns: 400 },
    );
  });

  it('holds for some hand-picked sequences', async () => {
    await runScenario([
      { kind: 'add', name: 'a' },
      { kind: 'pop', count: 1 },
      { kind: 'delete', name: 'a' },
      { kind: 'replace', names: [] },
      { kind: 'delete', name: 'a' },
    ]);
    await runScenario([
      { kind: 'replace', names: ['a', 'b'] },
      { kind: 'wait' },
      { kind: 'pop', count: 2 },
      { kind: 'resync' },
      { kind: 'update', name: 'a' },
      { kind: 'replace', names: ['b'] },
    ]);
  });
});
