import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { ConfigError, type KubeObject, type ResourceClient } from '../../../src/client/index.js';
import { applyOwned, setControllerReference } from '../../../src/controller/index.js';

const owner: KubeObject = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w', namespace: 'ns', uid: 'uid-w' },
};

const child = (meta: ConfigMap['metadata'] = {}): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'w-config', namespace: 'ns', ...meta },
});

const refTo = (o: KubeObject, extra: Record<string, unknown> = {}) => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata?.name,
  uid: o.metadata?.uid,
  controller: true,
  blockOwnerDeletion: true,
  ...extra,
});

describe('setControllerReference', () => {
  it('adds a controller reference that blocks owner deletion, in place, and returns the object', () => {
    const obj = child();
    const result = setControllerReference(owner, obj);
    expect(result).toBe(obj);
    expect(obj.metadata?.ownerReferences).toEqual([refTo(owner)]);
  });

  it('sets blockOwnerDeletion as asked', () => {
    const obj = setControllerReference(owner, child(), { blockOwnerDeletion: false });
    expect(obj.metadata?.ownerReferences).toEqual([refTo(owner, { blockOwnerDeletion: false })]);
  });

  it('creates metadata when the object has none', () => {
    const obj: ConfigMap = {};
    setControllerReference(owner, obj);
    expect(obj.metadata?.ownerReferences).toEqual([refTo(owner)]);
  });

  it('keeps the other (non-controller) owners', () => {
    const other = { apiVersion: 'v1', kind: 'Secret', name: 's', uid: 'uid-s' };
    const obj = setControllerReference(owner, child({ ownerReferences: [other] }));
    expect(obj.metadata?.ownerReferences).toEqual([other, refTo(owner)]);
  });

  it('is idempotent for the same owner and turns a plain reference to it into the controller one', () => {
    const obj = setControllerReference(owner, child());
    setControllerReference(owner, obj);
    expect(obj.metadata?.ownerReferences).toEqual([refTo(owner)]);

    const plain = child({
      ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'uid-w' }],
    });
    setControllerReference(owner, plain);
    expect(plain.metadata?.ownerReferences).toEqual([refTo(owner)]);
  });

  it('refuses an object another controller controls, naming it, and leaves the object alone', () => {
    const rival = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'rs-1',
      uid: 'uid-rs',
      controller: true,
    };
    const obj = child({ ownerReferences: [rival] });
    let thrown: unknown;
    try {
      setControllerReference(owner, obj);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toBe('w-config is already controlled by ReplicaSet rs-1.');
    expect(obj.metadata?.ownerReferences).toEqual([rival]);
  });

  it('refuses an owner that was not created yet (no uid) or lacks its type', () => {
    const noUid = { ...owner, metadata: { name: 'w', namespace: 'ns' } };
    expect(() => setControllerReference(noUid, child())).toThrow(ConfigError);
    expect(() => setControllerReference(noUid, child())).toThrow(/metadata\.uid/);
    const noKind = { apiVersion: 'example.com/v1', metadata: owner.metadata };
    expect(() => setControllerReference(noKind, child())).toThrow(ConfigError);
    const noApiVersion = { kind: 'Widget', metadata: owner.metadata };
    expect(() => setControllerReference(noApiVersion, child())).toThrow(ConfigError);
  });

  it('refuses an owner in another namespace', () => {
    const obj = child({ namespace: 'elsewhere' });
    expect(() => setControllerReference(owner, obj)).toThrow(
      new ConfigError('a Widget in namespace ns cannot own an object in namespace elsewhere.'),
    );
    expect(obj.metadata?.ownerReferences).toBeUndefined();
  });

  it('lets a cluster-scoped owner control a namespaced object', () => {
    const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'uid-n1' } };
    const obj = setControllerReference(node, child());
    expect(obj.metadata?.ownerReferences).toEqual([refTo(node)]);
  });
});

describe('applyOwned', () => {
  function recordingClient() {
    const calls: { object: ConfigMap; options: Record<string, unknown> }[] = [];
    const client = {
      async apply(object: ConfigMap, options: Record<string, unknown>) {
        calls.push({ object, options });
        return { ...object, metadata: { ...object.metadata, resourceVersion: '1' } };
      },
    } as unknown as ResourceClient<ConfigMap>;
    return { client, calls };
  }

  it('applies a copy of the desired object with the controller reference, forced, as the field manager', async () => {
    const { client, calls } = recordingClient();
    const desired = child();
    desired.data = { size: '3' };
    const signal = new AbortController().signal;
    const live = await applyOwned(client, owner, desired, { fieldManager: 'widget-controller', signal });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.options).toEqual({ fieldManager: 'widget-controller', force: true, signal });
    expect(calls[0]?.object).toEqual({
      ...desired,
      metadata: { ...desired.metadata, ownerReferences: [refTo(owner)] },
    });
    expect(live.metadata?.resourceVersion).toBe('1');
    // The caller's desired state is left as it was, so it can be reused next reconcile.
    expect(desired.metadata?.ownerReferences).toBeUndefined();
    expect(calls[0]?.object).not.toBe(desired);
  });

  it('sends no signal option when none is given', async () => {
    const { client, calls } = recordingClient();
    await applyOwned(client, owner, child(), { fieldManager: 'm' });
    expect(calls[0]?.options).toEqual({ fieldManager: 'm', force: true });
  });

  it('refuses, before any request, a desired object that names another controller', async () => {
    const { client, calls } = recordingClient();
    const desired = child({
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'uid-p', controller: true }],
    });
    await expect((async () => applyOwned(client, owner, desired, { fieldManager: 'm' }))()).rejects.toThrow(
      new ConfigError('w-config is already controlled by Pod p.'),
    );
    expect(calls).toHaveLength(0);
  });
});
