import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  ConfigMaps,
  isConflict,
  isInvalid,
  isNotFound,
  type KubeClient,
  type ResourceClient,
} from '../../../src/client/index.js';
import { applyOwned, setControllerReference } from '../../../src/controller/index.js';
import { clientAs } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';

const manager = 'widget-controller';

/** The managedFields entry of `name` (for the main resource, not a subresource). */
const entryOf = (obj: ConfigMap, name: string): ManagedFieldsEntry | undefined =>
  obj.metadata?.managedFields?.find((m) => m.manager === name && !m.subresource);

/** The data keys a manager owns, from its fieldsV1 (`{"f:data":{"f:key":{}}}`). */
const ownedDataKeys = (obj: ConfigMap, name: string): string[] => {
  const fields = entryOf(obj, name)?.fieldsV1 as Record<string, Record<string, unknown>> | undefined;
  return Object.keys(fields?.['f:data'] ?? {})
    .map((k) => k.replace(/^f:/, ''))
    .sort();
};

describe('applyOwned and setControllerReference against the API server', () => {
  const ns = useTestNamespace('own');
  let kube: KubeClient;
  let cms: ResourceClient<ConfigMap>;
  let owner: ConfigMap;
  let counter = 0;
  beforeAll(async () => {
    kube = await clientAs('admin');
    cms = kube.resource(ConfigMaps).namespace(ns());
    owner = await cms.create({ metadata: { name: 'owner' } });
  });
  afterAll(() => kube.close());

  const desired = (name: string, data: Record<string, string>): ConfigMap => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { app: 'widget' } },
    data,
  });

  it('creates the object controlled by the owner, its fields owned by the field manager through Apply', async () => {
    const name = `child-${++counter}`;
    const want = desired(name, { a: '1', b: '2' });
    const live = await applyOwned(cms, owner, want, { fieldManager: manager });
    expect(live.metadata?.uid).toBeTruthy();
    expect(live.data).toEqual({ a: '1', b: '2' });
    expect(live.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'owner',
        uid: owner.metadata?.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    const entry = entryOf(live, manager);
    expect(entry?.operation).toBe('Apply');
    expect(ownedDataKeys(live, manager)).toEqual(['a', 'b']);
    const metaFields =
      (entry?.fieldsV1 as Record<string, Record<string, unknown>> | undefined)?.['f:metadata'] ?? {};
    expect(Object.keys(metaFields).sort()).toEqual(['f:labels', 'f:ownerReferences']);
    // The caller's desired object is not modified.
    expect(want.metadata?.ownerReferences).toBeUndefined();
    expect((await cms.get(name)).metadata?.ownerReferences?.[0]?.uid).toBe(owner.metadata?.uid);
  });

  it('does not rewrite an object already in the desired state', async () => {
    const name = `child-${++counter}`;
    const first = await applyOwned(cms, owner, desired(name, { a: '1' }), { fieldManager: manager });
    const second = await applyOwned(cms, owner, desired(name, { a: '1' }), { fieldManager: manager });
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    expect((await cms.get(name)).metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
  });

  it('puts back a field someone else changed with an update, and takes its ownership back', async () => {
    const name = `child-${++counter}`;
    await applyOwned(cms, owner, desired(name, { a: '1', b: '2' }), { fieldManager: manager });
    const tampered = await cms.patch(name, { data: { a: 'tampered' } }, { fieldManager: 'intruder' });
    expect(tampered.data?.a).toBe('tampered');
    expect(ownedDataKeys(tampered, 'intruder')).toEqual(['a']);
    expect(ownedDataKeys(tampered, manager)).toEqual(['b']);

    const restored = await applyOwned(cms, owner, desired(name, { a: '1', b: '2' }), {
      fieldManager: manager,
    });
    expect(restored.data).toEqual({ a: '1', b: '2' });
    expect(ownedDataKeys(restored, manager)).toEqual(['a', 'b']);
    expect(ownedDataKeys(restored, 'intruder')).toEqual([]);
  });

  it('forces over a conflicting applier, which then conflicts unless it forces too', async () => {
    const name = `child-${++counter}`;
    await cms.apply(desired(name, { a: 'rival' }), { fieldManager: 'rival' });
    const live = await applyOwned(cms, owner, desired(name, { a: 'ours' }), { fieldManager: manager });
    expect(live.data).toEqual({ a: 'ours' });
    expect(ownedDataKeys(live, manager)).toEqual(['a']);
    expect(ownedDataKeys(live, 'rival')).toEqual([]);

    const err = await cms
      .apply(desired(name, { a: 'rival again' }), { fieldManager: 'rival' })
      .catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect((await cms.get(name)).data).toEqual({ a: 'ours' });
  });

  it('removes fields dropped from the desired state and keeps fields other managers own', async () => {
    const name = `child-${++counter}`;
    await applyOwned(cms, owner, desired(name, { a: '1', b: '2' }), { fieldManager: manager });
    await cms.apply(desired(name, { c: 'theirs' }), { fieldManager: 'sidecar' });
    const live = await applyOwned(cms, owner, desired(name, { a: '1' }), { fieldManager: manager });
    expect(live.data).toEqual({ a: '1', c: 'theirs' });
    expect(ownedDataKeys(live, manager)).toEqual(['a']);
    expect(ownedDataKeys(live, 'sidecar')).toEqual(['c']);
  });

  it('is refused by the server when the live object already has another controller', async () => {
    const name = `child-${++counter}`;
    const otherOwner = await cms.create({ metadata: { name: `other-owner-${counter}` } });
    const created = await cms.create(
      setControllerReference(otherOwner, { metadata: { name }, data: { a: 'x' } }),
    );
    const err = await applyOwned(cms, owner, desired(name, { a: 'ours' }), { fieldManager: manager }).catch(
      (e: unknown) => e,
    );
    expect(isInvalid(err)).toBe(true);
    const live = await cms.get(name);
    expect(live.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    expect(live.metadata?.ownerReferences?.map((r) => r.uid)).toEqual([otherOwner.metadata?.uid]);
  });

  it('refuses, before writing anything, a desired object naming another controller or namespace', async () => {
    const name = `child-${++counter}`;
    const otherOwner = await cms.create({ metadata: { name: `other-owner-${counter}` } });
    const claimed = setControllerReference(otherOwner, desired(name, { a: '1' }));
    await expect((async () => applyOwned(cms, owner, claimed, { fieldManager: manager }))()).rejects.toThrow(
      ConfigError,
    );
    const elsewhere = desired(name, { a: '1' });
    elsewhere.metadata!.namespace = 'kube-system';
    await expect(
      (async () => applyOwned(cms, owner, elsewhere, { fieldManager: manager }))(),
    ).rejects.toThrow(/cannot own an object in namespace kube-system/);
    expect(isNotFound(await cms.get(name).catch((e: unknown) => e))).toBe(true);
  });

  it('lets a server-created owner control an object created with setControllerReference', async () => {
    const name = `child-${++counter}`;
    const child = setControllerReference(owner, { metadata: { name }, data: { a: '1' } } as ConfigMap, {
      blockOwnerDeletion: false,
    });
    const created = await cms.create(child);
    expect(created.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'owner',
        uid: owner.metadata?.uid,
        controller: true,
        blockOwnerDeletion: false,
      },
    ]);
    // The same owner again replaces its reference (with the default blockOwnerDeletion), never doubles it.
    const again = setControllerReference(owner, created);
    const updated = await cms.update(again);
    expect(updated.metadata?.ownerReferences).toHaveLength(1);
    expect(updated.metadata?.ownerReferences?.[0]?.blockOwnerDeletion).toBe(true);
  });
});
