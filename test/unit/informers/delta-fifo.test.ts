import { describe, expect, it, vi } from 'vitest';
import { type Delta, DeltaFIFO } from '../../../src/informers/delta-fifo.js';
import { FIFOClosedError, KeyError, TransformError } from '../../../src/informers/errors.js';
import {
  DeletedFinalStateUnknown,
  deletionHandlingMetaNamespaceKeyFunc,
} from '../../../src/informers/keys.js';
import { newIndexer } from '../../../src/informers/store.js';
import { applyDeltas, describeDeltas, type Obj, obj, popOne } from './fifo-helpers.js';

const newKnown = (...objs: Obj[]) => {
  const known = newIndexer<Obj>(deletionHandlingMetaNamespaceKeyFunc);
  for (const o of objs) known.add(o);
  return known;
};

const tomb = (name: string, rv: string) => new DeletedFinalStateUnknown(`ns/${name}`, obj(name, rv));

describe('DeltaFIFO queueing', () => {
  it('accumulates deltas per key, oldest first', async () => {
    const f = new DeltaFIFO<Obj>();
    f.add(obj('a', '1'));
    f.update(obj('a', '2'));
    f.add(obj('b', '1'));
    f.delete(obj('a', '3'));
    expect(f.length).toBe(2);
    expect(describeDeltas(f.getByKey('ns/a')!)).toEqual(['Added:a@1', 'Updated:a@2', 'Deleted:a@3']);
    const { key, deltas } = await popOne(f);
    expect(key).toBe('ns/a');
    expect(describeDeltas(deltas)).toEqual(['Added:a@1', 'Updated:a@2', 'Deleted:a@3']);
    expect(f.getByKey('ns/a')).toBeUndefined();
    expect(f.length).toBe(1);
  });

  it('is FIFO by first insertion: a re-added key keeps its position', async () => {
    const f = new DeltaFIFO<Obj>();
    f.add(obj('a'));
    f.add(obj('b'));
    f.add(obj('c'));
    f.update(obj('a', '2'));
    f.update(obj('b', '2'));
    expect(f.listKeys()).toEqual(['ns/a', 'ns/b', 'ns/c']);
    const order: string[] = [];
    while (f.length > 0) order.push((await popOne(f)).key);
    expect(order).toEqual(['ns/a', 'ns/b', 'ns/c']);
    // A popped key that comes back goes to the end.
    f.add(obj('a'));
    f.add(obj('d'));
    f.add(obj('a', '3'));
    expect(f.listKeys()).toEqual(['ns/a', 'ns/d']);
  });

  it('getByKey and listKeys return copies', () => {
    const f = new DeltaFIFO<Obj>();
    f.add(obj('a'));
    f.getByKey('ns/a')!.push({ type: 'Sync', object: obj('x') });
    f.listKeys().push('bogus');
    expect(f.getByKey('ns/a')).toHaveLength(1);
    expect(f.listKeys()).toEqual(['ns/a']);
  });

  it('uses a custom key function', () => {
    const f = new DeltaFIFO<Obj>({ keyFunction: (o) => (o as Obj).metadata.name.toUpperCase() });
    f.add(obj('a'));
    expect(f.listKeys()).toEqual(['A']);
  });
});

describe('DeltaFIFO delete', () => {
  it('collapses two real deletes into the older one', () => {
    const f = new DeltaFIFO<Obj>();
    f.add(obj('a', '1'));
    f.delete(obj('a', '2'));
    f.delete(obj('a', '3'));
    expect(describeDeltas(f.getByKey('ns/a')!)).toEqual(['Added:a@1', 'Deleted:a@2']);
  });

  it('keeps the real delete over a tombstone, whichever came first', () => {
    const f = new DeltaFIFO<Obj>({ knownObjects: newKnown(obj('a', '1'), obj('b', '1')) });
    // tombstone then real delete: the real one replaces the tombstone.
    f.replace([obj('b', '1')], '5');
    expect(describeDeltas(f.getByKey('ns/a')!)).toEqual(['Deleted:~ns/a@1']);
    f.delete(obj('a', '7'));
    expect(describeDeltas(f.getByKey('ns/a')!)).toEqual(['Deleted:a@7']);
    // real delete then a relist that no longer lists it: no tombstone is added.
    f.delete(obj('b', '8'));
    f.replace([], '9');
    expect(describeDeltas(f.getByKey('ns/b')!)).toEqual(['Replaced:b@1', 'Deleted:b@8']);
    expect(describeDeltas(f.getByKey('ns/a')!)).toEqual(['Deleted:a@7']);
  });

  it('between two tombstones keeps the newer', () => {
    const f = new DeltaFIFO<Obj>();
    f.add(obj('a', '1'));
    f.delete(tomb('a', '1') as unknown as Obj);
    f.delete(tomb('a', '2') as unknown as Obj);
    expect(describeDeltas(f.getByKey('ns/a')!)).toEqual(['Added:a@1', 'Deleted:~ns/a@2']);
  });

  it('does not collapse deletes separated by another delta', () => {
    const f = new DeltaFIFO<Obj>();
    f.add(obj('a', '1'));
    f.delete(obj('a', '2'));
    f.add(obj('a', '3'));
    f.delete(obj('a', '4'));
    expect(describeDeltas(f.getByKey('ns/a')!)).toEqual([
      'Added:a@1',
      'Deleted:a@2',
      'Added:a@3',
      'Deleted:a@4',
    ]);
  });

  it('drops a delete for a key neither queued nor known (already reported)', () => {
    const f = new DeltaFIFO<Obj>({ knownObjects: newKnown(obj('known')) });
    f.delete(obj('ghost'));
    expect(f.length).toBe(0);
    f.delete(obj('known', '2'));
    expect(describeDeltas(f.getByKey('ns/known')!)).toEqual(['Deleted:known@2']);
  });

  it('without knownObjects, drops a delete for a key that is not queued', async () => {
    const f = new DeltaFIFO<Obj>();
    f.delete(obj('a'));
    expect(f.length).toBe(0);
    f.add(obj('a'));
    await popOne(f);
    f.delete(obj('a'));
    expect(f.length).toBe(0);
  });

  it('counts as population even when dropped', () => {
    const f = new DeltaFIFO<Obj>();
    f.delete(obj('ghost'));
    expect(f.hasSynced()).toBe(true);
  });
});

describe('DeltaFIFO replace', () => {
  it('emits Replaced (never Sync) for every listed object and records the resourceVersion', () => {
    const known = newKnown(obj('a', '1'));
    const f = new DeltaFIFO<Obj>({ knownObjects: known });
    expect(f.lastSyncResourceVersion).toBe('');
    f.replace([obj('a', '1'), obj('b', '1')], '42');
    expect(describeDeltas(f.getByKey('ns/a')!)).toEqual(['Replaced:a@1']);
    expect(describeDeltas(f.getByKey('ns/b')!)).toEqual(['Replaced:b@1']);
    expect(f.lastSyncResourceVersion).toBe('42');
    f.replace([], '43');
    expect(f.lastSyncResourceVersion).toBe('43');
  });

  it('tombstones known keys missing from the list with the known object', () => {
    const f = new DeltaFIFO<Obj>({ knownObjects: newKnown(obj('a', '1'), obj('gone', '7')) });
    f.replace([obj('a', '2')], '10');
    const d = f.getByKey('ns/gone')!;
    expect(d).toHaveLength(1);
    expect(d[0]!.type).toBe('Deleted');
    const t = d[0]!.object as DeletedFinalStateUnknown<Obj>;
    expect(t).toBeInstanceOf(DeletedFinalStateUnknown);
    expect(t.key).toBe('ns/gone');
    expect(t.obj.metadata.resourceVersion).toBe('7');
  });

  it('tombstones a queued key with the newest queued object, not the older known one', () => {
    const f = new DeltaFIFO<Obj>({ knownObjects: newKnown(obj('a', '1')) });
    f.update(obj('a', '2'));
    f.update(obj('a', '3'));
    f.replace([], '10');
    expect(describeDeltas(f.getByKey('ns/a')!)).toEqual(['Updated:a@2', 'Updated:a@3', 'Deleted:~ns/a@3']);
  });

  it('tombstones keys that are only queued (kubernetes#115658)', () => {
    const f = new DeltaFIFO<Obj>({ knownObjects: newKnown() });
    f.add(obj('fresh', '5'));
    f.replace([], '10');
    expect(describeDeltas(f.getByKey('ns/fresh')!)).toEqual(['Added:fresh@5', 'Deleted:~ns/fresh@5']);
  });

  it('without knownObjects, tombstones only queued keys', () => {
    const f = new DeltaFIFO<Obj>();
    f.add(obj('a', '1'));
    f.replace([obj('b', '1')], '10');
    expect(describeDeltas(f.getByKey('ns/a')!)).toEqual(['Added:a@1', 'Deleted:~ns/a@1']);
    expect(describeDeltas(f.getByKey('ns/b')!)).toEqual(['Replaced:b@1']);
  });

  it('adds no tombstone to a key whose queued deltas end with Deleted (real or tombstone)', () => {
    const f = new DeltaFIFO<Obj>({ knownObjects: newKnown(obj('a', '1'), obj('b', '1')) });
    f.delete(obj('a', '2'));
    f.replace([], '10');
    f.replace([], '11');
    expect(describeDeltas(f.getByKey('ns/a')!)).toEqual(['Deleted:a@2']);
    expect(describeDeltas(f.getByKey('ns/b')!)).toEqual(['Deleted:~ns/b@1']);
  });

  it('appends Replaced after queued deltas of a listed key', () => {
    const f = new DeltaFIFO<Obj>({ knownObjects: newKnown(obj('a', '1')) });
    f.update(obj('a', '2'));
    f.replace([obj('a', '3')], '10');
    expect(describeDeltas(f.getByKey('ns/a')!)).toEqual(['Updated:a@2', 'Replaced:a@3']);
  });

  it('skips a known key that the store cannot return', () => {
    const f = new DeltaFIFO<Obj>({ knownObjects: { listKeys: () => ['ns/x'], getByKey: () => undefined } });
    f.replace([], '1');
    expect(f.length).toBe(0);
  });
});

describe('DeltaFIFO resync', () => {
  it('queues Sync only for known keys with nothing queued', () => {
    const known = newKnown(obj('a', '1'), obj('b', '1'), obj('c', '1'));
    const f = new DeltaFIFO<Obj>({ knownObjects: known });
    f.update(obj('b', '2'));
    f.resync();
    expect(describeDeltas(f.getByKey('ns/a')!)).toEqual(['Sync:a@1']);
    expect(describeDeltas(f.getByKey('ns/b')!)).toEqual(['Updated:b@2']);
    expect(describeDeltas(f.getByKey('ns/c')!)).toEqual(['Sync:c@1']);
    // A second resync adds nothing: every key is queued now.
    f.resync();
    expect(f.getByKey('ns/a')).toHaveLength(1);
    expect(f.listKeys()).toEqual(['ns/b', 'ns/a', 'ns/c']);
  });

  it('carries the known object itself', () => {
    const a = obj('a', '1');
    const f = new DeltaFIFO<Obj>({ knownObjects: newKnown(a) });
    f.resync();
    expect(f.getByKey('ns/a')![0]!.object).toBe(a);
  });

  it('is a no-op without knownObjects and does not count as population', () => {
    const f = new DeltaFIFO<Obj>();
    f.resync();
    expect(f.length).toBe(0);
    expect(f.hasSynced()).toBe(false);
  });
});

describe('DeltaFIFO hasSynced and isInInitialList', () => {
  it('turns true once every key of the first replace has been popped and processed', async () => {
    const f = new DeltaFIFO<Obj>();
    expect(f.hasSynced()).toBe(false);
    f.replace([obj('a'), obj('b')], '1');
    expect(f.hasSynced()).toBe(false);
    const seen: boolean[] = [];
    await f.pop((_d, initial) => {
      seen.push(initial);
      expect(f.hasSynced()).toBe(false);
    });
    expect(f.hasSynced()).toBe(false);
    await f.pop((_d, initial) => {
      seen.push(initial);
      // Still processing the last initial key: not synced yet.
      expect(f.hasSynced()).toBe(false);
    });
    expect(f.hasSynced()).toBe(true);
    expect(seen).toEqual([true, true]);
    f.replace([obj('c')], '2');
    expect(f.hasSynced()).toBe(true);
    expect((await popOne(f)).isInInitialList).toBe(false);
  });

  it('counts distinct keys, not list items (kubernetes#96797)', async () => {
    const f = new DeltaFIFO<Obj>();
    f.replace([obj('a', '1'), obj('a', '2')], '1');
    expect(f.length).toBe(1);
    const { deltas, isInInitialList } = await popOne(f);
    expect(describeDeltas(deltas)).toEqual(['Replaced:a@1', 'Replaced:a@2']);
    expect(isInInitialList).toBe(true);
    expect(f.hasSynced()).toBe(true);
  });

  it('an empty first replace syncs at once', () => {
    const f = new DeltaFIFO<Obj>();
    f.replace([], '1');
    expect(f.hasSynced()).toBe(true);
  });

  it('includes the deletions the first replace inferred', async () => {
    const f = new DeltaFIFO<Obj>({ knownObjects: newKnown(obj('old')) });
    f.replace([obj('a')], '1');
    expect(f.length).toBe(2);
    expect((await popOne(f)).isInInitialList).toBe(true);
    expect(f.hasSynced()).toBe(false);
    const last = await popOne(f);
    expect(last.key).toBe('ns/old');
    expect(last.isInInitialList).toBe(true);
    expect(f.hasSynced()).toBe(true);
  });

  it('add/update/delete before any replace sync at once and are not initial', async () => {
    const f = new DeltaFIFO<Obj>();
    f.add(obj('a'));
    expect(f.hasSynced()).toBe(true);
    f.replace([obj('b')], '1');
    expect(f.hasSynced()).toBe(true);
    expect((await popOne(f)).isInInitialList).toBe(false);
  });

  it('keys added after the first replace are not initial; updates to initial keys are', async () => {
    const f = new DeltaFIFO<Obj>();
    f.replace([obj('a', '1'), obj('b', '1')], '1');
    f.add(obj('c', '1'));
    f.update(obj('a', '2'));
    const pops = [await popOne(f), await popOne(f)];
    expect(pops.map((p) => [p.key, p.isInInitialList])).toEqual([
      ['ns/a', true],
      ['ns/b', true],
    ]);
    expect(describeDeltas(pops[0]!.deltas)).toEqual(['Replaced:a@1', 'Updated:a@2']);
    expect(f.hasSynced()).toBe(true);
    const c = await popOne(f);
    expect([c.key, c.isInInitialList]).toEqual(['ns/c', false]);
  });

  it('keys a resync queued before the first replace count as initial too', async () => {
    const f = new DeltaFIFO<Obj>({ knownObjects: newKnown(obj('x', '1')) });
    f.resync();
    expect(f.hasSynced()).toBe(false);
    f.replace([obj('a')], '1');
    expect(f.listKeys()).toEqual(['ns/x', 'ns/a']);
    const x = await popOne(f);
    expect(describeDeltas(x.deltas)).toEqual(['Sync:x@1', 'Deleted:~ns/x@1']);
    expect(x.isInInitialList).toBe(true);
    expect((await popOne(f)).isInInitialList).toBe(true);
    expect(f.hasSynced()).toBe(true);
  });

  it('a throwing process still counts the key as delivered', async () => {
    const f = new DeltaFIFO<Obj>();
    f.replace([obj('a')], '1');
    await expect(
      f.pop(() => {
        throw new Error('handler');
      }),
    ).rejects.toThrow('handler');
    expect(f.hasSynced()).toBe(true);
  });
});

describe('DeltaFIFO pop', () => {
  it('waits for an item, served from a microtask rather than inside add()', async () => {
    const f = new DeltaFIFO<Obj>();
    const got: string[] = [];
    const p = f.pop((d) => {
      got.push(...describeDeltas(d));
    });
    await Promise.resolve();
    expect(got).toEqual([]);
    f.add(obj('a'));
    f.update(obj('a', '2'));
    // The producer's call returned before the consumer ran.
    expect(got).toEqual([]);
    await p;
    expect(got).toEqual(['Added:a@1', 'Updated:a@2']);
    expect(f.length).toBe(0);
  });

  it('serves concurrent waiting pops in call order, one key each', async () => {
    const f = new DeltaFIFO<Obj>();
    const got: string[] = [];
    const pops = [1, 2, 3].map((i) => f.pop((d) => got.push(`${i}:${describeDeltas(d).join(',')}`)));
    f.add(obj('a'));
    f.add(obj('b'));
    await Promise.all(pops.slice(0, 2));
    expect(got).toEqual(['1:Added:a@1', '2:Added:b@1']);
    f.add(obj('c'));
    await pops[2];
    expect(got).toEqual(['1:Added:a@1', '2:Added:b@1', '3:Added:c@1']);
  });

  it('a new pop does not overtake earlier waiters', async () => {
    const f = new DeltaFIFO<Obj>();
    const got: string[] = [];
    const first = f.pop(() => got.push('first'));
    f.add(obj('a'));
    f.add(obj('b'));
    // The queue is non-empty but `first` is still waiting for its microtask.
    const second = f.pop(() => got.push('second'));
    await Promise.all([first, second]);
    expect(got).toEqual(['first', 'second']);
  });

  it('processes synchronously and resolves after process returns', async () => {
    const f = new DeltaFIFO<Obj>();
    f.add(obj('a'));
    let processed = false;
    const p = f.pop(() => {
      processed = true;
    });
    // An item was ready: it has been taken and processed by now.
    expect(processed).toBe(true);
    expect(f.length).toBe(0);
    await p;
  });

  it('process may produce into the FIFO (re-entrancy)', async () => {
    const f = new DeltaFIFO<Obj>();
    f.add(obj('a'));
    await f.pop(() => {
      f.add(obj('b'));
      f.add(obj('a', '2'));
    });
    expect(f.listKeys()).toEqual(['ns/b', 'ns/a']);
    const waiting = f.pop(() => f.add(obj('c')));
    await waiting;
    expect(f.listKeys()).toEqual(['ns/a', 'ns/c']);
  });

  it('rejects with what process threw and does not re-queue', async () => {
    const f = new DeltaFIFO<Obj>();
    f.add(obj('a'));
    f.add(obj('b'));
    const boom = new Error('boom');
    await expect(
      f.pop(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(f.listKeys()).toEqual(['ns/b']);
    // The same for a waiting pop.
    await popOne(f);
    const waiting = f.pop(() => {
      throw boom;
    });
    f.add(obj('c'));
    await expect(waiting).rejects.toBe(boom);
    expect(f.length).toBe(0);
  });

  it('an abort rejects a waiting pop and consumes nothing', async () => {
    const f = new DeltaFIFO<Obj>();
    const ac = new AbortController();
    const process = vi.fn();
    const p = f.pop(process, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    f.add(obj('a'));
    await Promise.resolve();
    await Promise.resolve();
    expect(process).not.toHaveBeenCalled();
    expect(f.listKeys()).toEqual(['ns/a']);
  });

  it('an aborted waiter is skipped; later waiters are still served', async () => {
    const f = new DeltaFIFO<Obj>();
    const ac = new AbortController();
    const got: string[] = [];
    const aborted = f.pop(() => got.push('aborted'), ac.signal);
    const live = f.pop(() => got.push('live'));
    ac.abort();
    f.add(obj('a'));
    await live;
    await expect(aborted).rejects.toBeDefined();
    expect(got).toEqual(['live']);
  });

  it('an already aborted signal rejects even with items ready, consuming nothing', async () => {
    const f = new DeltaFIFO<Obj>();
    f.add(obj('a'));
    const process = vi.fn();
    await expect(f.pop(process, AbortSignal.abort(new Error('early')))).rejects.toThrow('early');
    expect(process).not.toHaveBeenCalled();
    expect(f.length).toBe(1);
  });

  it('an abort after a pop was served changes nothing', async () => {
    const f = new DeltaFIFO<Obj>();
    const ac = new AbortController();
    const p = f.pop(() => {}, ac.signal);
    f.add(obj('a'));
    await p;
    ac.abort();
    f.add(obj('b'));
    expect(f.length).toBe(1);
  });
});

describe('DeltaFIFO close', () => {
  it('rejects waiting pops at once when empty', async () => {
    const f = new DeltaFIFO<Obj>();
    const a = f.pop(() => {});
    const b = f.pop(() => {});
    f.close();
    expect(f.closed).toBe(true);
    await expect(a).rejects.toBeInstanceOf(FIFOClosedError);
    await expect(b).rejects.toBeInstanceOf(FIFOClosedError);
    await expect(f.pop(() => {})).rejects.toBeInstanceOf(FIFOClosedError);
    f.close();
    expect(f.closed).toBe(true);
  });

  it('drains queued items before rejecting', async () => {
    const f = new DeltaFIFO<Obj>();
    f.add(obj('a'));
    f.add(obj('b'));
    f.close();
    expect((await popOne(f)).key).toBe('ns/a');
    expect((await popOne(f)).key).toBe('ns/b');
    await expect(f.pop(() => {})).rejects.toBeInstanceOf(FIFOClosedError);
  });

  it('serves waiters the items queued before close, then rejects the rest', async () => {
    const f = new DeltaFIFO<Obj>();
    const got: string[] = [];
    const a = f.pop(() => got.push('a'));
    const b = f.pop(() => got.push('b'));
    f.add(obj('x'));
    f.close();
    await a;
    await expect(b).rejects.toBeInstanceOf(FIFOClosedError);
    expect(got).toEqual(['a']);
  });

  it('still accepts items after close (as client-go) and hands them out', async () => {
    const f = new DeltaFIFO<Obj>();
    f.close();
    f.add(obj('late'));
    expect((await popOne(f)).key).toBe('ns/late');
    await expect(f.pop(() => {})).rejects.toBeInstanceOf(FIFOClosedError);
  });
});

describe('DeltaFIFO transformer', () => {
  const counting = () => {
    const calls: string[] = [];
    const transformer = (o: Obj): Obj => {
      calls.push(`${o.metadata.name}@${o.metadata.resourceVersion}`);
      return { ...o, transformed: (o.transformed ?? 0) + 1 };
    };
    return { calls, transformer };
  };
  const transformedCounts = (deltas: Delta<Obj>[]) =>
    deltas.map((d) =>
      d.object instanceof DeletedFinalStateUnknown ? `~${d.object.obj.transformed}` : d.object.transformed,
    );

  it('runs once per add, update, delete and replaced item', () => {
    const { calls, transformer } = counting();
    const f = new DeltaFIFO<Obj>({ transformer });
    f.add(obj('a', '1'));
    f.update(obj('a', '2'));
    f.delete(obj('a', '3'));
    f.replace([obj('b', '1')], '1');
    expect(calls).toEqual(['a@1', 'a@2', 'a@3', 'b@1']);
    expect(transformedCounts(f.getByKey('ns/a')!)).toEqual([1, 1, 1]);
    expect(transformedCounts(f.getByKey('ns/b')!)).toEqual([1]);
  });

  it('never runs on tombstones or Sync objects (they are transformed already)', async () => {
    const { calls, transformer } = counting();
    const known = newIndexer<Obj>(deletionHandlingMetaNamespaceKeyFunc);
    const f = new DeltaFIFO<Obj>({ transformer, knownObjects: known });
    f.add(obj('a', '1'));
    f.add(obj('b', '1'));
    f.add(obj('c', '1'));
    while (f.length > 0) await f.pop((d) => applyDeltas(known, d));
    f.update(obj('b', '2'));
    calls.length = 0;
    f.resync(); // Sync for a and c
    f.replace([], '2'); // tombstones for b (queued) and a, c (queued Sync)
    expect(transformedCounts(f.getByKey('ns/a')!)).toEqual([1, '~1']);
    expect(transformedCounts(f.getByKey('ns/b')!)).toEqual([1, '~1']);
    expect(transformedCounts(f.getByKey('ns/c')!)).toEqual([1, '~1']);
    // A tombstone handed to delete() is queued as it is (it replaces the older tombstone).
    const t = tomb('c', '1');
    f.delete(t as unknown as Obj);
    expect(f.getByKey('ns/c')![1]!.object).toBe(t);
    expect(calls).toEqual([]);
  });

  it('a throwing transform drops the object and reports a TransformError', () => {
    const errors: unknown[] = [];
    const cause = new Error('bad object');
    const f = new DeltaFIFO<Obj>({
      transformer: (o) => {
        if (o.metadata.name === 'bad') throw cause;
        return o;
      },
      onError: (err) => errors.push(err),
    });
    f.add(obj('bad'));
    f.add(obj('good'));
    expect(f.listKeys()).toEqual(['ns/good']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TransformError);
    expect(errors[0]).toMatchObject({ key: 'ns/bad', cause });
  });

  it('an item dropped from a replace is not tombstoned', () => {
    const errors: unknown[] = [];
    const f = new DeltaFIFO<Obj>({
      knownObjects: newKnown(obj('bad', '1')),
      transformer: (o) => {
        if (o.metadata.name === 'bad') throw new Error('no');
        return o;
      },
      onError: (err) => errors.push(err),
    });
    f.replace([obj('bad', '2'), obj('ok')], '1');
    expect(f.listKeys()).toEqual(['ns/ok']);
    expect(errors).toHaveLength(1);
  });
});

describe('DeltaFIFO bad input', () => {
  const nameless = { metadata: { namespace: 'ns' } } as Obj;

  it('reports key errors through onError and carries on', () => {
    const errors: unknown[] = [];
    const f = new DeltaFIFO<Obj>({ onError: (err) => errors.push(err) });
    f.add(nameless);
    f.update(nameless);
    f.delete(nameless);
    f.replace([nameless, obj('a')], '1');
    expect(errors).toHaveLength(4);
    for (const e of errors) expect(e).toBeInstanceOf(KeyError);
    expect(f.listKeys()).toEqual(['ns/a']);
  });

  it('without onError, add/update/delete throw and queue nothing', () => {
    const f = new DeltaFIFO<Obj>({
      transformer: (o) => {
        if (o.metadata.name === 'bad') throw new Error('no');
        return o;
      },
    });
    expect(() => f.add(nameless)).toThrow(KeyError);
    expect(() => f.update(obj('bad'))).toThrow(TransformError);
    expect(() => f.delete(nameless)).toThrow(KeyError);
    expect(f.length).toBe(0);
  });

  it('without onError, replace queues what it can and then throws', () => {
    const f = new DeltaFIFO<Obj>();
    expect(() => f.replace([nameless, obj('a')], '1')).toThrow(KeyError);
    expect(f.listKeys()).toEqual(['ns/a']);
    expect(f.lastSyncResourceVersion).toBe('1');
    const g = new DeltaFIFO<Obj>();
    expect(() => g.replace([nameless, obj('b'), nameless], '1')).toThrow(AggregateError);
    expect(g.listKeys()).toEqual(['ns/b']);
  });
});

describe('DeltaFIFO at scale', () => {
  it('handles 100k objects: relist, pop, resync, relist with deletions', async () => {
    const N = 100_000;
    const items: Obj[] = [];
    for (let i = 0; i < N; i++) items.push(obj(`o${i}`, '1', `ns${i % 50}`));
    const known = newIndexer<Obj>(deletionHandlingMetaNamespaceKeyFunc);
    const f = new DeltaFIFO<Obj>({ knownObjects: known });
    f.replace(items, '1');
    let pops = 0;
    while (f.length > 0) {
      await f.pop((d) => applyDeltas(known, d));
      pops++;
    }
    expect(pops).toBe(N);
    expect(known.size).toBe(N);
    expect(f.hasSynced()).toBe(true);
    f.resync();
    expect(f.length).toBe(N);
    while (f.length > 0) await f.pop((d) => applyDeltas(known, d));
    f.replace(items.slice(0, N / 2), '2');
    expect(f.length).toBe(N);
    while (f.length > 0) await f.pop((d) => applyDeltas(known, d));
    expect(known.size).toBe(N / 2);
    // Speed is the benchmark's business; the generous timeout only guards against a hang.
  }, 60_000);

  it('a hot key updated 100k times stays one queue entry', async () => {
    const f = new DeltaFIFO<Obj>();
    for (let i = 0; i < 100_000; i++) f.update(obj('hot', String(i)));
    expect(f.length).toBe(1);
    expect((await popOne(f)).deltas).toHaveLength(100_000);
  });
});
