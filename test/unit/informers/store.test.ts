import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IndexConflictError,
  IndexError,
  IndexFuncError,
  IndexNotFoundError,
  KeyError,
} from '../../../src/informers/errors.js';
import {
  DeletedFinalStateUnknown,
  deletionHandlingMetaNamespaceKeyFunc,
} from '../../../src/informers/keys.js';
import {
  type IndexFunc,
  metaNamespaceIndexFunc,
  NamespaceIndex,
  newIndexer,
} from '../../../src/informers/store.js';

interface Obj {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: { node?: string; tags?: string[] };
}

const obj = (namespace: string | undefined, name: string, spec?: Obj['spec']): Obj => ({
  metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
  ...(spec ? { spec } : {}),
});

const byNode: IndexFunc<Obj> = (o) => (o.spec?.node ? [o.spec.node] : []);
const byTag: IndexFunc<Obj> = (o) => o.spec?.tags ?? [];

const keyOf = deletionHandlingMetaNamespaceKeyFunc<Obj>;
const newNsIndexer = () => newIndexer<Obj>(keyOf, { [NamespaceIndex]: metaNamespaceIndexFunc });
const sorted = (xs: string[]) => [...xs].sort();
const names = (xs: Obj[]) => sorted(xs.map((o) => o.metadata.name));

describe('metaNamespaceIndexFunc', () => {
  it('indexes by namespace and gives cluster-scoped objects no value', () => {
    expect(metaNamespaceIndexFunc(obj('ns', 'a'))).toEqual(['ns']);
    expect(metaNamespaceIndexFunc(obj(undefined, 'a'))).toEqual([]);
    expect(metaNamespaceIndexFunc(obj('', 'a'))).toEqual([]);
    expect(metaNamespaceIndexFunc({})).toEqual([]);
  });
});

describe('Store basics', () => {
  it('adds, updates, gets and deletes by key', () => {
    const s = newIndexer<Obj>(keyOf);
    const a1 = obj('ns', 'a', { node: '1' });
    const a2 = obj('ns', 'a', { node: '2' });
    s.add(a1);
    expect(s.size).toBe(1);
    expect(s.get(obj('ns', 'a'))).toBe(a1);
    expect(s.getByKey('ns/a')).toBe(a1);
    s.update(a2);
    expect(s.size).toBe(1);
    expect(s.getByKey('ns/a')).toBe(a2);
    s.delete(obj('ns', 'a'));
    expect(s.size).toBe(0);
    expect(s.getByKey('ns/a')).toBeUndefined();
  });

  it('add of an existing key replaces it and update of a missing key inserts it', () => {
    const s = newIndexer<Obj>(keyOf);
    s.update(obj('ns', 'a'));
    const second = obj('ns', 'a');
    s.add(second);
    expect(s.size).toBe(1);
    expect(s.getByKey('ns/a')).toBe(second);
  });

  it('deletes by a tombstone key, whatever the key function', () => {
    const s = newIndexer<Obj>((o) => keyOf(o));
    s.add(obj('ns', 'a'));
    s.delete(new DeletedFinalStateUnknown('ns/a', obj('ns', 'a')));
    expect(s.size).toBe(0);
    // A store built with a key function that cannot key tombstones still deletes them.
    const strict = newIndexer<Obj>((o) => `${(o as Obj).metadata.namespace}/${(o as Obj).metadata.name}`);
    strict.add(obj('ns', 'b'));
    strict.delete(new DeletedFinalStateUnknown('ns/b', obj('ns', 'b')));
    expect(strict.size).toBe(0);
  });

  it('deleting a missing key is a no-op', () => {
    const s = newNsIndexer();
    s.delete(obj('ns', 'ghost'));
    expect(s.size).toBe(0);
  });

  it('list and listKeys return fresh arrays the caller may mutate', () => {
    const s = newIndexer<Obj>(keyOf);
    s.add(obj('ns', 'a'));
    const l = s.list();
    l.pop();
    const k = s.listKeys();
    k.push('bogus');
    expect(s.list()).toHaveLength(1);
    expect(s.listKeys()).toEqual(['ns/a']);
  });

  it('throws a KeyError for an object without a name and changes nothing', () => {
    const s = newNsIndexer();
    expect(() => s.add({ metadata: {} } as Obj)).toThrow(KeyError);
    expect(() => s.update({} as Obj)).toThrow(KeyError);
    expect(() => s.delete({} as Obj)).toThrow(KeyError);
    expect(() => s.get({} as Obj)).toThrow(KeyError);
    expect(s.size).toBe(0);
  });

  it('replace swaps content, rebuilds indices, last duplicate wins', () => {
    const s = newNsIndexer();
    s.add(obj('old', 'x'));
    const b2 = obj('n2', 'b');
    s.replace([obj('n1', 'a'), obj('n2', 'b'), b2], '10');
    expect(sorted(s.listKeys())).toEqual(['n1/a', 'n2/b']);
    expect(s.getByKey('n2/b')).toBe(b2);
    expect(sorted(s.listIndexFuncValues(NamespaceIndex))).toEqual(['n1', 'n2']);
    expect(s.byIndex(NamespaceIndex, 'old')).toEqual([]);
    s.replace([], '11');
    expect(s.size).toBe(0);
    expect(s.listIndexFuncValues(NamespaceIndex)).toEqual([]);
  });

  it('replace is atomic: a key error leaves the old content', () => {
    const s = newNsIndexer();
    s.add(obj('ns', 'keep'));
    expect(() => s.replace([obj('ns', 'a'), { metadata: {} } as Obj], '1')).toThrow(KeyError);
    expect(s.listKeys()).toEqual(['ns/keep']);
    expect(s.indexKeys(NamespaceIndex, 'ns')).toEqual(['ns/keep']);
  });
});

describe('Indexer', () => {
  it('byIndex, indexKeys and listIndexFuncValues follow the index function', () => {
    const s = newIndexer<Obj>(keyOf, { [NamespaceIndex]: metaNamespaceIndexFunc, node: byNode });
    s.add(obj('a', 'p1', { node: 'n1' }));
    s.add(obj('a', 'p2', { node: 'n2' }));
    s.add(obj('b', 'p3', { node: 'n1' }));
    s.add(obj(undefined, 'cluster'));
    expect(names(s.byIndex(NamespaceIndex, 'a'))).toEqual(['p1', 'p2']);
    expect(sorted(s.indexKeys('node', 'n1'))).toEqual(['a/p1', 'b/p3']);
    expect(sorted(s.listIndexFuncValues(NamespaceIndex))).toEqual(['a', 'b']);
    expect(sorted(s.listIndexFuncValues('node'))).toEqual(['n1', 'n2']);
    expect(s.byIndex('node', 'nowhere')).toEqual([]);
    expect(s.indexKeys('node', 'nowhere')).toEqual([]);
  });

  it('index() returns objects sharing any value, without duplicates', () => {
    const s = newIndexer<Obj>(keyOf, { tag: byTag });
    s.add(obj('ns', 'x', { tags: ['red', 'blue'] }));
    s.add(obj('ns', 'y', { tags: ['blue'] }));
    s.add(obj('ns', 'z', { tags: ['green'] }));
    expect(names(s.index('tag', obj('q', 'q', { tags: ['red', 'blue'] })))).toEqual(['x', 'y']);
    expect(names(s.index('tag', obj('q', 'q', { tags: ['green'] })))).toEqual(['z']);
    expect(s.index('tag', obj('q', 'q', { tags: [] }))).toEqual([]);
    expect(names(s.index('tag', obj('q', 'q', { tags: ['blue', 'blue'] })))).toEqual(['x', 'y']);
  });

  it('moves a key between buckets on update and drops emptied buckets', () => {
    const s = newIndexer<Obj>(keyOf, { node: byNode, tag: byTag });
    s.add(obj('ns', 'p', { node: 'n1', tags: ['a', 'b'] }));
    s.update(obj('ns', 'p', { node: 'n2', tags: ['b', 'c'] }));
    expect(s.listIndexFuncValues('node')).toEqual(['n2']);
    expect(sorted(s.listIndexFuncValues('tag'))).toEqual(['b', 'c']);
    expect(s.indexKeys('node', 'n1')).toEqual([]);
    s.update(obj('ns', 'p', {}));
    expect(s.listIndexFuncValues('node')).toEqual([]);
    expect(s.listIndexFuncValues('tag')).toEqual([]);
    s.update(obj('ns', 'p', { node: 'n3' }));
    expect(s.indexKeys('node', 'n3')).toEqual(['ns/p']);
  });

  it('leaves no empty bucket behind after high-cardinality churn', () => {
    const s = newIndexer<Obj>(keyOf, { node: byNode });
    for (let i = 0; i < 1000; i++) {
      s.add(obj('ns', `p${i}`, { node: `node-${i}` }));
      s.update(obj('ns', `p${i}`, { node: `node-${i}-b` }));
      s.delete(obj('ns', `p${i}`));
    }
    expect(s.size).toBe(0);
    expect(s.listIndexFuncValues('node')).toEqual([]);
  });

  it('removes a key under the values it was indexed with, even if the object was mutated in place', () => {
    const s = newIndexer<Obj>(keyOf, { node: byNode });
    const p = obj('ns', 'p', { node: 'n1' });
    s.add(p);
    // Forbidden, but it must not strand the key in bucket n1.
    p.spec!.node = 'n9';
    s.delete(p);
    expect(s.listIndexFuncValues('node')).toEqual([]);
  });

  it('tolerates an index function that returns duplicate values', () => {
    const s = newIndexer<Obj>(keyOf, { tag: byTag });
    s.add(obj('ns', 'p', { tags: ['a', 'a'] }));
    expect(s.indexKeys('tag', 'a')).toEqual(['ns/p']);
    s.update(obj('ns', 'p', { tags: ['a'] }));
    expect(s.indexKeys('tag', 'a')).toEqual(['ns/p']);
    s.delete(obj('ns', 'p'));
    expect(s.listIndexFuncValues('tag')).toEqual([]);
  });

  it('throws IndexNotFoundError for an unknown index name', () => {
    const s = newNsIndexer();
    s.add(obj('ns', 'a'));
    for (const call of [
      () => s.byIndex('nope', 'x'),
      () => s.indexKeys('nope', 'x'),
      () => s.listIndexFuncValues('nope'),
      () => s.index('nope', obj('ns', 'a')),
    ]) {
      expect(call).toThrow(IndexNotFoundError);
      expect(call).toThrow(IndexError);
    }
  });

  it('getIndexers returns a copy', () => {
    const s = newIndexer<Obj>(keyOf, { node: byNode });
    const got = s.getIndexers();
    expect(got).toEqual({ node: byNode });
    delete got.node;
    expect(Object.keys(s.getIndexers())).toEqual(['node']);
  });

  it('an indexer without index functions is a plain store', () => {
    const s = newIndexer<Obj>(keyOf);
    s.add(obj('ns', 'a'));
    expect(s.getIndexers()).toEqual({});
    expect(() => s.byIndex(NamespaceIndex, 'ns')).toThrow(IndexNotFoundError);
  });
});

describe('Indexer with a throwing index function', () => {
  const picky: IndexFunc<Obj> = (o) => {
    if (o.spec?.node === 'bad') throw new Error('cannot index bad');
    return byNode(o);
  };

  it('rejects an add before changing anything', () => {
    const s = newIndexer<Obj>(keyOf, { [NamespaceIndex]: metaNamespaceIndexFunc, node: picky });
    let caught: unknown;
    try {
      s.add(obj('ns', 'p', { node: 'bad' }));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(IndexFuncError);
    expect(caught).toMatchObject({ indexName: 'node', key: 'ns/p' });
    expect((caught as Error).cause).toBeInstanceOf(Error);
    expect(s.size).toBe(0);
    expect(s.listIndexFuncValues(NamespaceIndex)).toEqual([]);
  });

  it('rejects an update and keeps the old object fully indexed', () => {
    const s = newIndexer<Obj>(keyOf, { [NamespaceIndex]: metaNamespaceIndexFunc, node: picky });
    const old = obj('ns', 'p', { node: 'n1' });
    s.add(old);
    expect(() => s.update(obj('ns', 'p', { node: 'bad' }))).toThrow(IndexFuncError);
    expect(s.getByKey('ns/p')).toBe(old);
    expect(s.indexKeys('node', 'n1')).toEqual(['ns/p']);
    expect(s.indexKeys(NamespaceIndex, 'ns')).toEqual(['ns/p']);
  });

  it('delete never calls the index function', () => {
    let calls = 0;
    const s = newIndexer<Obj>(keyOf, {
      node: (o) => {
        calls++;
        return byNode(o);
      },
    });
    s.add(obj('ns', 'p', { node: 'n1' }));
    calls = 0;
    s.delete(obj('ns', 'p', { node: 'bad' }));
    expect(calls).toBe(0);
    expect(s.listIndexFuncValues('node')).toEqual([]);
  });

  it('rejects a replace and keeps the old content and indices', () => {
    const s = newIndexer<Obj>(keyOf, { node: picky });
    s.add(obj('ns', 'keep', { node: 'n1' }));
    expect(() => s.replace([obj('ns', 'a', { node: 'n2' }), obj('ns', 'b', { node: 'bad' })], '5')).toThrow(
      IndexFuncError,
    );
    expect(s.listKeys()).toEqual(['ns/keep']);
    expect(s.listIndexFuncValues('node')).toEqual(['n1']);
  });

  it('rejects index functions that return something other than string[]', () => {
    const s = newIndexer<Obj>(keyOf, {
      weird: (o) => (o.metadata.name === 'num' ? [1 as unknown as string] : ('str' as unknown as string[])),
    });
    expect(() => s.add(obj('ns', 'num'))).toThrow(/array of strings/);
    expect(() => s.add(obj('ns', 'other'))).toThrow(IndexFuncError);
    expect(s.size).toBe(0);
  });

  it('index() with a throwing function throws IndexFuncError without a key', () => {
    const s = newIndexer<Obj>(keyOf, { node: picky });
    expect(() => s.index('node', obj('ns', 'q', { node: 'bad' }))).toThrow(
      expect.objectContaining({ name: 'IndexFuncError', key: undefined }),
    );
  });
});

describe('addIndexers', () => {
  it('indexes the objects already stored and keeps indexing new ones', () => {
    const s = newNsIndexer();
    s.add(obj('a', 'p1', { node: 'n1' }));
    s.add(obj('b', 'p2', { node: 'n1' }));
    s.add(obj('b', 'p3'));
    s.addIndexers({ node: byNode });
    expect(sorted(s.indexKeys('node', 'n1'))).toEqual(['a/p1', 'b/p2']);
    s.add(obj('c', 'p4', { node: 'n2' }));
    s.update(obj('a', 'p1', { node: 'n2' }));
    expect(sorted(s.indexKeys('node', 'n2'))).toEqual(['a/p1', 'c/p4']);
    expect(s.indexKeys('node', 'n1')).toEqual(['b/p2']);
    expect(sorted(Object.keys(s.getIndexers()))).toEqual([NamespaceIndex, 'node']);
    s.replace([obj('z', 'p9', { node: 'n9' })], '1');
    expect(s.listIndexFuncValues('node')).toEqual(['n9']);
    expect(s.listIndexFuncValues(NamespaceIndex)).toEqual(['z']);
  });

  it('rejects a name already registered and adds nothing', () => {
    const s = newNsIndexer();
    let caught: unknown;
    try {
      s.addIndexers({ node: byNode, [NamespaceIndex]: metaNamespaceIndexFunc });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(IndexConflictError);
    expect((caught as IndexConflictError).indexNames).toEqual([NamespaceIndex]);
    expect(Object.keys(s.getIndexers())).toEqual([NamespaceIndex]);
    expect(() => s.byIndex('node', 'x')).toThrow(IndexNotFoundError);
  });

  it('is all or nothing when a new function throws on a stored object', () => {
    const s = newNsIndexer();
    s.add(obj('ns', 'p', { node: 'bad' }));
    expect(() =>
      s.addIndexers({
        node: byNode,
        picky: (o) => {
          if (o.spec?.node === 'bad') throw new Error('no');
          return [];
        },
      }),
    ).toThrow(IndexFuncError);
    expect(Object.keys(s.getIndexers())).toEqual([NamespaceIndex]);
    // Adding the good one afterwards still works.
    s.addIndexers({ node: byNode });
    expect(s.indexKeys('node', 'bad')).toEqual(['ns/p']);
  });
});

describe('Indexer property: indices always agree with a brute-force scan', () => {
  type Op =
    | { kind: 'upsert'; ns: string; name: string; tags: string[] }
    | { kind: 'delete'; ns: string; name: string }
    | { kind: 'replace'; items: { ns: string; name: string; tags: string[] }[] };

  const nsArb = fc.constantFrom('a', 'b', '');
  const nameArb = fc.constantFrom('p', 'q', 'r', 's');
  const tagsArb = fc.array(fc.constantFrom('x', 'y', 'z'), { maxLength: 3 });
  const itemArb = fc.record({ ns: nsArb, name: nameArb, tags: tagsArb });
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: itemArb.map((i) => ({ kind: 'upsert' as const, ...i })) },
    {
      weight: 3,
      arbitrary: fc.record({ ns: nsArb, name: nameArb }).map((i) => ({ kind: 'delete' as const, ...i })),
    },
    {
      weight: 1,
      arbitrary: fc.array(itemArb, { maxLength: 6 }).map((items) => ({ kind: 'replace' as const, items })),
    },
  );
  const mk = (i: { ns: string; name: string; tags: string[] }) =>
    obj(i.ns === '' ? undefined : i.ns, i.name, { tags: i.tags });

  it('holds for random sequences', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), fc.boolean(), (ops, lateIndexer) => {
        const s = newIndexer<Obj>(keyOf, lateIndexer ? {} : { tag: byTag });
        const model = new Map<string, Obj>();
        let pending = lateIndexer;
        ops.forEach((op, i) => {
          if (pending && i === Math.floor(ops.length / 2)) {
            s.addIndexers({ tag: byTag });
            pending = false;
          }
          if (op.kind === 'upsert') {
            const o = mk(op);
            s.add(o);
            model.set(keyOf(o), o);
          } else if (op.kind === 'delete') {
            const o = mk({ ...op, tags: [] });
            s.delete(o);
            model.delete(keyOf(o));
          } else {
            const objs = op.items.map(mk);
            s.replace(objs, String(i));
            model.clear();
            for (const o of objs) model.set(keyOf(o), o);
          }
        });
        if (pending) s.addIndexers({ tag: byTag });
        expect(sorted(s.listKeys())).toEqual(sorted([...model.keys()]));
        for (const [k, o] of model) expect(s.getByKey(k)).toBe(o);
        const expectedValues = new Set([...model.values()].flatMap(byTag));
        expect(sorted(s.listIndexFuncValues('tag'))).toEqual(sorted([...expectedValues]));
        for (const tag of ['x', 'y', 'z']) {
          const expected = [...model.entries()].filter(([, o]) => byTag(o).includes(tag)).map(([k]) => k);
          expect(sorted(s.indexKeys('tag', tag))).toEqual(sorted(expected));
        }
      }),
      { numRuns: 300 },
    );
  });
});
