import { randomBytes } from 'node:crypto';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { ClusterRole } from 'kubernetes-types/rbac/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  ClusterRoles,
  ConfigMaps,
  isConflict,
  isNotFound,
  type KubeClient,
  type ResourceClient,
} from '../../../src/client/index.js';
import {
  addFinalizer,
  handleFinalizer,
  hasFinalizer,
  removeFinalizer,
} from '../../../src/controller/index.js';
import { clientAs } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';

const ours = 'kubekit.test/cleanup';
const describeError = (err: unknown) =>
  err instanceof ApiError ? `ApiError ${err.code} ${err.reason}: ${err.message}` : String(err);
const theirs = 'other.kubekit.test/keep';

describe('finalizer helpers against the API server', () => {
  const ns = useTestNamespace('fin');
  let kube: KubeClient;
  let cms: ResourceClient<ConfigMap>;
  let counter = 0;
  beforeAll(async () => {
    kube = await clientAs('admin');
    cms = kube.resource(ConfigMaps).namespace(ns());
  });
  afterAll(async () => {
    // Let every object go, so the namespace can be deleted.
    const left = await cms.list();
    for (const cm of left.items) {
      if (cm.metadata?.finalizers?.length) {
        await cms.patch(cm.metadata.name!, { metadata: { finalizers: null } }).catch(() => {});
      }
    }
    await kube.close();
  });

  const create = (finalizers?: string[]) =>
    cms.create({
      metadata: { name: `cm-${++counter}`, ...(finalizers ? { finalizers } : {}) },
      data: { v: '1' },
    });
  const get = (name: string) => cms.get(name);
  const gone = async (name: string) => isNotFound(await cms.get(name).catch((e: unknown) => e));

  it('adds and removes a finalizer on the server, keeping the others', async () => {
    const created = await create([theirs]);
    const added = await addFinalizer(cms, created, ours);
    expect(added.metadata?.finalizers).toEqual([theirs, ours]);
    expect(added.metadata?.resourceVersion).not.toBe(created.metadata?.resourceVersion);
    expect((await get(created.metadata!.name!)).metadata?.finalizers).toEqual([theirs, ours]);

    const removed = await removeFinalizer(cms, added, ours);
    expect(removed.metadata?.finalizers).toEqual([theirs]);
    const live = await get(created.metadata!.name!);
    expect(live.metadata?.finalizers).toEqual([theirs]);
    expect(hasFinalizer(live, ours)).toBe(false);
    expect(hasFinalizer(live, theirs)).toBe(true);
  });

  it('adds the first finalizer to an object that has none, and removes the last one', async () => {
    const created = await create();
    expect(created.metadata?.finalizers).toBeUndefined();
    const added = await addFinalizer(cms, created, ours);
    expect(added.metadata?.finalizers).toEqual([ours]);
    const removed = await removeFinalizer(cms, added, ours);
    expect(removed.metadata?.finalizers ?? []).toEqual([]);
    expect((await get(created.metadata!.name!)).metadata?.finalizers).toBeUndefined();
  });

  it('writes nothing when the finalizer is already there (add) or absent (remove)', async () => {
    const created = await create([ours]);
    expect(await addFinalizer(cms, created, ours)).toBe(created);
    expect(await removeFinalizer(cms, created, theirs)).toBe(created);
    expect((await get(created.metadata!.name!)).metadata?.resourceVersion).toBe(
      created.metadata?.resourceVersion,
    );
  });

  it('adds a finalizer to an object read with an empty finalizer list', async () => {
    const created = await create();
    const withEmptyList: ConfigMap = { ...created, metadata: { ...created.metadata, finalizers: [] } };
    const added = await addFinalizer(cms, withEmptyList, ours);
    expect(added.metadata?.finalizers).toEqual([ours]);
  });

  it('fails with a conflict on a stale resourceVersion and changes nothing', async () => {
    const stale = await create();
    // Someone else writes after our read.
    const fresh = await cms.update({ ...stale, data: { v: '2' } });
    const err = await addFinalizer(cms, stale, ours).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const live = await get(stale.metadata!.name!);
    expect(live.metadata?.resourceVersion).toBe(fresh.metadata?.resourceVersion);
    expect(live.metadata?.finalizers).toBeUndefined();
    expect(live.data).toEqual({ v: '2' });
    // As documented: a 409 Conflict, which conflict-retrying callers (retryOnConflict) recognise.
    expect(isConflict(err), describeError(err)).toBe(true);
  });

  it('never drops a finalizer a concurrent writer added: the stale writer fails instead', async () => {
    const created = await create();
    // Two controllers read the same object and each add their own finalizer at once.
    const results = await Promise.allSettled([
      addFinalizer(cms, created, ours),
      addFinalizer(cms, created, theirs),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const winner = (won[0] as PromiseFulfilledResult<ConfigMap>).value;
    const loserFinalizer = hasFinalizer(winner, ours) ? theirs : ours;
    expect(winner.metadata?.finalizers).toHaveLength(1);

    // The loser re-reads and tries again: now both are there.
    const retried = await addFinalizer(cms, await get(created.metadata!.name!), loserFinalizer);
    expect([...(retried.metadata?.finalizers ?? [])].sort()).toEqual([theirs, ours].sort());

    // Removing ours from a stale copy must not take theirs along.
    const staleWithBoth = retried;
    await cms.update({ ...staleWithBoth, data: { v: 'changed' } });
    const err = await removeFinalizer(cms, staleWithBoth, ours).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect([...((await get(created.metadata!.name!)).metadata?.finalizers ?? [])].sort()).toEqual(
      [theirs, ours].sort(),
    );
    // Both stale writers were refused with 409 Conflict, as documented.
    const lostReason = (lost[0] as PromiseRejectedResult).reason;
    expect(isConflict(lostReason), describeError(lostReason)).toBe(true);
    expect(isConflict(err), describeError(err)).toBe(true);
  });

  it('rejects with NotFound when the object is already gone', async () => {
    const created = await create([ours]);
    const bare = await create();
    await cms.patch(created.metadata!.name!, { metadata: { finalizers: null } });
    await cms.delete(created.metadata!.name!);
    await cms.delete(bare.metadata!.name!);
    expect(await gone(created.metadata!.name!)).toBe(true);
    expect(isNotFound(await removeFinalizer(cms, created, ours).catch((e: unknown) => e))).toBe(true);
    expect(isNotFound(await addFinalizer(cms, bare, ours).catch((e: unknown) => e))).toBe(true);
    // No write reached the server, so nothing came back.
    expect(await gone(created.metadata!.name!)).toBe(true);
    expect(await gone(bare.metadata!.name!)).toBe(true);
  });

  it('holds a deleted object until its last finalizer is removed', async () => {
    const created = await create([ours, theirs]);
    const name = created.metadata!.name!;
    const pending = (await cms.delete(name)) as ConfigMap;
    expect(pending.metadata?.deletionTimestamp).toBeTruthy();

    let live = await get(name);
    expect(live.metadata?.deletionTimestamp).toBeTruthy();
    live = await removeFinalizer(cms, live, ours);
    expect(live.metadata?.finalizers).toEqual([theirs]);
    // One finalizer left: still there, still being deleted.
    live = await get(name);
    expect(live.metadata?.deletionTimestamp).toBeTruthy();
    expect(live.metadata?.finalizers).toEqual([theirs]);

    await removeFinalizer(cms, live, theirs);
    expect(await gone(name)).toBe(true);
  });

  it('works on cluster-scoped objects', async () => {
    const roles = kube.resource(ClusterRoles);
    const name = `kubekit-fin-${randomBytes(4).toString('hex')}`;
    const created = await roles.create({ metadata: { name }, rules: [] } as ClusterRole);
    try {
      const added = await addFinalizer(roles, created, ours);
      expect((await roles.get(name)).metadata?.finalizers).toEqual([ours]);
      await removeFinalizer(roles, added, ours);
      expect((await roles.get(name)).metadata?.finalizers).toBeUndefined();
    } finally {
      await roles.patch(name, { metadata: { finalizers: null } }).catch(() => {});
      await roles.delete(name).catch(() => {});
    }
  });
});

describe('handleFinalizer against the API server', () => {
  const ns = useTestNamespace('hfin');
  let kube: KubeClient;
  let cms: ResourceClient<ConfigMap>;
  let counter = 0;
  beforeAll(async () => {
    kube = await clientAs('admin');
    cms = kube.resource(ConfigMaps).namespace(ns());
  });
  afterAll(async () => {
    const left = await cms.list();
    for (const cm of left.items) {
      if (cm.metadata?.finalizers?.length) {
        await cms.patch(cm.metadata.name!, { metadata: { finalizers: null } }).catch(() => {});
      }
    }
    await kube.close();
  });

  const gone = async (name: string) => isNotFound(await cms.get(name).catch((e: unknown) => e));

  it('adds the finalizer to a live object, then on deletion cleans up once and lets the object go', async () => {
    const name = `h-${++counter}`;
    await cms.create({ metadata: { name } });
    const cleaned: ConfigMap[] = [];
    const cleanup = async (o: ConfigMap) => {
      cleaned.push(o);
    };

    expect(await handleFinalizer(cms, await cms.get(name), ours, cleanup)).toBe('added');
    const guarded = await cms.get(name);
    expect(guarded.metadata?.finalizers).toEqual([ours]);

    // A second reconcile of the live object changes nothing.
    expect(await handleFinalizer(cms, guarded, ours, cleanup)).toBe('none');
    expect((await cms.get(name)).metadata?.resourceVersion).toBe(guarded.metadata?.resourceVersion);
    expect(cleaned).toHaveLength(0);

    await cms.delete(name);
    const deleting = await cms.get(name);
    expect(deleting.metadata?.deletionTimestamp).toBeTruthy();
    expect(await handleFinalizer(cms, deleting, ours, cleanup)).toBe('finalized');
    expect(cleaned).toHaveLength(1);
    expect(cleaned[0]?.metadata?.uid).toBe(guarded.metadata?.uid);
    expect(cleaned[0]?.metadata?.deletionTimestamp).toBe(deleting.metadata?.deletionTimestamp);
    expect(await gone(name)).toBe(true);
  });

  it('keeps the finalizer (and the object) when cleanup fails, and finishes on the retry', async () => {
    const name = `h-${++counter}`;
    await cms.create({ metadata: { name, finalizers: [ours] } });
    await cms.delete(name);
    const deleting = await cms.get(name);
    const boom = new Error('external resource busy');
    await expect(
      handleFinalizer(cms, deleting, ours, async () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    const still = await cms.get(name);
    expect(still.metadata?.finalizers).toEqual([ours]);
    expect(still.metadata?.deletionTimestamp).toBeTruthy();
    expect(still.metadata?.resourceVersion).toBe(deleting.metadata?.resourceVersion);

    let calls = 0;
    expect(
      await handleFinalizer(cms, still, ours, async () => {
        calls++;
      }),
    ).toBe('finalized');
    expect(calls).toBe(1);
    expect(await gone(name)).toBe(true);
  });

  it('leaves an object being deleted alone when our finalizer is not on it', async () => {
    const name = `h-${++counter}`;
    await cms.create({ metadata: { name, finalizers: [theirs] } });
    await cms.delete(name);
    const deleting = await cms.get(name);
    let calls = 0;
    expect(
      await handleFinalizer(cms, deleting, ours, async () => {
        calls++;
      }),
    ).toBe('none');
    expect(calls).toBe(0);
    const live = await cms.get(name);
    expect(live.metadata?.resourceVersion).toBe(deleting.metadata?.resourceVersion);
    expect(live.metadata?.finalizers).toEqual([theirs]);
  });

  it('fails with a conflict, without removing the finalizer, when the object changed during cleanup', async () => {
    const name = `h-${++counter}`;
    await cms.create({ metadata: { name, finalizers: [ours, theirs] } });
    await cms.delete(name);
    const deleting = await cms.get(name);
    const err = await handleFinalizer(cms, deleting, ours, async () => {
      // Another party writes to the object while we clean up.
      await cms.patch(name, { metadata: { labels: { touched: 'yes' } } });
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const live = await cms.get(name);
    expect(live.metadata?.finalizers).toEqual([ours, theirs]);
    expect(live.metadata?.labels).toEqual({ touched: 'yes' });
    expect(isConflict(err), describeError(err)).toBe(true);
  });

  it('rejects with NotFound when the object vanished before the finalizer could be added', async () => {
    const name = `h-${++counter}`;
    const created = await cms.create({ metadata: { name } });
    await cms.delete(name);
    let calls = 0;
    const err = await handleFinalizer(cms, created, ours, async () => {
      calls++;
    }).catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
    expect(calls).toBe(0);
  });
});
