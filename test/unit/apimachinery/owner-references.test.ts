import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { describe, expect, it } from 'vitest';
import {
  getControllerOf,
  hasOwnerReference,
  isControlledBy,
  newControllerRef,
} from '../../../src/apimachinery/index.js';

const rs = { metadata: { name: 'web-7d9', namespace: 'prod', uid: 'uid-rs' } };
const other = { metadata: { name: 'web-7d9', namespace: 'prod', uid: 'uid-recreated' } };

function ref(uid: string, controller?: boolean): OwnerReference {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    name: 'web-7d9',
    uid,
    ...(controller === undefined ? {} : { controller }),
  };
}

describe('getControllerOf', () => {
  it('returns the first reference with controller: true', () => {
    const pod = {
      metadata: { ownerReferences: [ref('a'), ref('b', false), ref('c', true), ref('d', true)] },
    };
    expect(getControllerOf(pod)?.uid).toBe('c');
    expect(getControllerOf(pod)).toBe(pod.metadata.ownerReferences[2]);
  });

  it('returns undefined without a controller reference', () => {
    expect(getControllerOf({})).toBeUndefined();
    expect(getControllerOf({ metadata: null })).toBeUndefined();
    expect(getControllerOf({ metadata: {} })).toBeUndefined();
    expect(getControllerOf({ metadata: { ownerReferences: [] } })).toBeUndefined();
    expect(getControllerOf({ metadata: { ownerReferences: [ref('a'), ref('b', false)] } })).toBeUndefined();
  });
});

describe('isControlledBy and hasOwnerReference', () => {
  const pod = { metadata: { ownerReferences: [ref('uid-owner'), ref('uid-rs', true)] } };

  it('match by UID, not by name', () => {
    expect(isControlledBy(pod, rs)).toBe(true);
    expect(isControlledBy(pod, other)).toBe(false);
    expect(hasOwnerReference(pod, other)).toBe(false);
  });

  it('accept an owner as an object, a reference or a UID', () => {
    expect(isControlledBy(pod, 'uid-rs')).toBe(true);
    expect(isControlledBy(pod, ref('uid-rs'))).toBe(true);
    expect(isControlledBy(pod, 'uid-owner')).toBe(false);
    expect(hasOwnerReference(pod, 'uid-owner')).toBe(true);
    expect(hasOwnerReference(pod, { uid: 'uid-rs' })).toBe(true);
    expect(hasOwnerReference(pod, { metadata: { uid: 'uid-owner' } })).toBe(true);
  });

  it('never match an owner without a UID', () => {
    const orphanRef = { metadata: { ownerReferences: [{ ...ref('', true) }] } };
    expect(isControlledBy(orphanRef, { metadata: {} })).toBe(false);
    expect(isControlledBy(orphanRef, '')).toBe(false);
    expect(hasOwnerReference(orphanRef, { metadata: { uid: '' } })).toBe(false);
    expect(hasOwnerReference(orphanRef, { metadata: null })).toBe(false);
  });

  it('handle objects without references', () => {
    expect(isControlledBy({}, rs)).toBe(false);
    expect(hasOwnerReference({ metadata: {} }, rs)).toBe(false);
  });
});

describe('newControllerRef', () => {
  it('builds a controller reference from a group/version/kind', () => {
    expect(newControllerRef(rs, { group: 'apps', version: 'v1', kind: 'ReplicaSet' })).toEqual({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'web-7d9',
      uid: 'uid-rs',
      controller: true,
      blockOwnerDeletion: true,
    });
  });

  it('uses the bare version for the core group and accepts apiVersion/kind', () => {
    expect(newControllerRef(rs, { group: '', version: 'v1', kind: 'ReplicationController' }).apiVersion).toBe(
      'v1',
    );
    expect(newControllerRef(rs, { apiVersion: 'example.com/v1alpha1', kind: 'Widget' })).toMatchObject({
      apiVersion: 'example.com/v1alpha1',
      kind: 'Widget',
    });
  });

  it('produces a reference that isControlledBy recognizes', () => {
    const child = {
      metadata: {
        ownerReferences: [newControllerRef(rs, { group: 'apps', version: 'v1', kind: 'ReplicaSet' })],
      },
    };
    expect(isControlledBy(child, rs)).toBe(true);
    expect(getControllerOf(child)?.name).toBe('web-7d9');
  });

  it('rejects owners that cannot be referenced', () => {
    const gvk = { group: 'apps', version: 'v1', kind: 'ReplicaSet' };
    expect(() => newControllerRef({ metadata: { uid: 'u' } }, gvk)).toThrow(/no metadata.name/);
    expect(() => newControllerRef({ metadata: { name: 'n' } }, gvk)).toThrow(/no metadata.uid/);
    expect(() => newControllerRef({}, gvk)).toThrow(TypeError);
    expect(() => newControllerRef(rs, { group: 'apps', version: '', kind: 'ReplicaSet' })).toThrow(
      /version and a kind/,
    );
    expect(() => newControllerRef(rs, { apiVersion: 'v1', kind: '' })).toThrow(/version and a kind/);
  });
});
