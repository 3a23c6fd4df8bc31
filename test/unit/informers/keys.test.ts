import { describe, expect, it } from 'vitest';
import { ObjectKeyError } from '../../../src/apimachinery/object-key.js';
import { KeyError } from '../../../src/informers/errors.js';
import {
  computeKey,
  DeletedFinalStateUnknown,
  deletionHandlingMetaNamespaceKeyFunc,
  metaNamespaceKeyFunc,
  splitMetaNamespaceKey,
} from '../../../src/informers/keys.js';

describe('metaNamespaceKeyFunc', () => {
  it('keys namespaced objects as ns/name and cluster-scoped ones as name', () => {
    expect(metaNamespaceKeyFunc({ metadata: { name: 'a', namespace: 'ns' } })).toBe('ns/a');
    expect(metaNamespaceKeyFunc({ metadata: { name: 'node-1' } })).toBe('node-1');
    expect(metaNamespaceKeyFunc({ metadata: { name: 'node-1', namespace: '' } })).toBe('node-1');
  });

  it('throws a KeyError (also an ObjectKeyError) for objects without a name', () => {
    for (const bad of [{}, { metadata: {} }, { metadata: { name: '' } }, { metadata: null }]) {
      expect(() => metaNamespaceKeyFunc(bad)).toThrow(KeyError);
      expect(() => metaNamespaceKeyFunc(bad)).toThrow(ObjectKeyError);
    }
    expect(() => metaNamespaceKeyFunc(null as never)).toThrow(KeyError);
  });

  it('keeps the object on the error without making it enumerable', () => {
    const secret = { metadata: { namespace: 'ns' }, data: { password: 'hunter2' } };
    let caught: unknown;
    try {
      metaNamespaceKeyFunc(secret);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(KeyError);
    expect((caught as KeyError).obj).toBe(secret);
    expect(JSON.stringify(caught)).not.toContain('hunter2');
    expect(Object.keys(caught as object)).not.toContain('obj');
  });

  it('rejects a tombstone (no metadata): deletion-handling variant needed', () => {
    expect(() => metaNamespaceKeyFunc(new DeletedFinalStateUnknown('ns/a', {}) as never)).toThrow(KeyError);
  });
});

describe('deletionHandlingMetaNamespaceKeyFunc', () => {
  it("returns a tombstone's key without looking at its object", () => {
    expect(deletionHandlingMetaNamespaceKeyFunc(new DeletedFinalStateUnknown('ns/gone', undefined))).toBe(
      'ns/gone',
    );
  });

  it('keys ordinary objects like metaNamespaceKeyFunc', () => {
    expect(deletionHandlingMetaNamespaceKeyFunc({ metadata: { name: 'a', namespace: 'b' } })).toBe('b/a');
    expect(() => deletionHandlingMetaNamespaceKeyFunc({ metadata: {} })).toThrow(KeyError);
  });
});

describe('computeKey', () => {
  it('wraps whatever a custom key function throws in a KeyError with the cause', () => {
    const boom = new RangeError('nope');
    let caught: unknown;
    try {
      computeKey(() => {
        throw boom;
      }, {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(KeyError);
    expect((caught as KeyError).cause).toBe(boom);
    expect((caught as Error).message).toContain('nope');
  });

  it('rejects a key function that returns a non-string', () => {
    expect(() => computeKey(() => 42 as unknown as string, {})).toThrow(KeyError);
  });

  it('passes KeyErrors through unchanged', () => {
    const err = new KeyError('bad', {});
    expect(() =>
      computeKey(() => {
        throw err;
      }, {}),
    ).toThrow(err);
  });
});

describe('splitMetaNamespaceKey', () => {
  it('is the apimachinery helper', () => {
    expect(splitMetaNamespaceKey('ns/a')).toEqual({ namespace: 'ns', name: 'a' });
    expect(splitMetaNamespaceKey('a')).toEqual({ namespace: '', name: 'a' });
    expect(() => splitMetaNamespaceKey('a/b/c')).toThrow(ObjectKeyError);
  });
});
