import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  metaNamespaceKey,
  ObjectKeyError,
  objectKey,
  splitMetaNamespaceKey,
} from '../../../src/apimachinery/index.js';

describe('metaNamespaceKey', () => {
  it('keys namespaced objects as namespace/name and cluster-scoped ones as name', () => {
    expect(metaNamespaceKey({ metadata: { namespace: 'default', name: 'web' } })).toBe('default/web');
    expect(metaNamespaceKey({ metadata: { name: 'node-1' } })).toBe('node-1');
    expect(metaNamespaceKey({ metadata: { name: 'node-1', namespace: '' } })).toBe('node-1');
  });

  it('rejects objects without metadata or name', () => {
    expect(() => metaNamespaceKey({})).toThrow(ObjectKeyError);
    expect(() => metaNamespaceKey({ metadata: null })).toThrow(/no metadata/);
    expect(() => metaNamespaceKey({ metadata: { namespace: 'ns' } })).toThrow(/metadata.name is empty/);
    expect(() => metaNamespaceKey({ metadata: { namespace: 'ns', name: '' } })).toThrow(ObjectKeyError);
    expect(() => metaNamespaceKey(undefined as never)).toThrow(ObjectKeyError);
    expect(() => metaNamespaceKey({ metadata: { name: 'a', namespace: 5 as unknown as string } })).toThrow(
      /namespace is not a string/,
    );
  });

  it('objectKey builds the same keys from parts', () => {
    expect(objectKey('ns', 'a')).toBe('ns/a');
    expect(objectKey('', 'a')).toBe('a');
    expect(objectKey(undefined, 'a')).toBe('a');
    expect(objectKey(null, 'a')).toBe('a');
  });
});

describe('splitMetaNamespaceKey', () => {
  it('splits the two key forms', () => {
    expect(splitMetaNamespaceKey('default/web')).toEqual({ namespace: 'default', name: 'web' });
    expect(splitMetaNamespaceKey('node-1')).toEqual({ namespace: '', name: 'node-1' });
  });

  const bad: [string, RegExp][] = [
    ['', /the key is empty/],
    ['a/b/c', /more than one '\/'/],
    ['/name', /namespace before '\/' is empty/],
    ['ns/', /name after '\/' is empty/],
    ['/', /namespace before '\/' is empty/],
  ];
  for (const [key, message] of bad) {
    it(`rejects ${JSON.stringify(key)}`, () => {
      expect(() => splitMetaNamespaceKey(key)).toThrow(ObjectKeyError);
      expect(() => splitMetaNamespaceKey(key)).toThrow(message);
    });
  }

  it('inverts metaNamespaceKey', () => {
    const part = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/);
    fc.assert(
      fc.property(fc.option(part, { nil: undefined }), part, (namespace, name) => {
        const key = metaNamespaceKey({ metadata: { namespace, name } });
        expect(key).toBe(objectKey(namespace, name));
        expect(splitMetaNamespaceKey(key)).toEqual({ namespace: namespace ?? '', name });
      }),
    );
  });
});
