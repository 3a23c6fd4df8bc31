import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { isConflict } from '../../../src/client/index.js';
import { ConfigError } from '../../../src/common/errors.js';
import {
  ConfigMapLock,
  EndpointsLock,
  LEADER_ANNOTATION,
  type LeaderElectionRecord,
  LeaseLock,
  MultiLock,
  newResourceLock,
} from '../../../src/leaderelection/index.js';
import { FakeKube } from './support/fake-kube.js';

const record: LeaderElectionRecord = {
  holderIdentity: 'me',
  leaseDurationSeconds: 15,
  acquireTime: '2024-05-06T07:08:09.123456Z',
  renewTime: '2024-05-06T07:08:19.654321Z',
  leaderTransitions: 3,
};

describe('LeaseLock', () => {
  it('writes the record into the Lease spec with MicroTime and reads it back unchanged', async () => {
    const kube = new FakeKube();
    const lock = new LeaseLock({ kube: kube.client, namespace: 'ns', name: 'l', identity: 'me' });
    expect(await lock.get()).toBeUndefined();
    await lock.create(record);
    const stored = kube.objects.get('leases/ns/l') as Lease;
    expect(stored.spec).toEqual({
      holderIdentity: 'me',
      leaseDurationSeconds: 15,
      acquireTime: '2024-05-06T07:08:09.123456Z',
      renewTime: '2024-05-06T07:08:19.654321Z',
      leaseTransitions: 3,
    });
    const snap = await lock.get();
    expect(snap!.record).toEqual(record);
    expect(snap!.resourceVersion).toBe(stored.metadata!.resourceVersion);
    expect(lock.describe()).toBe('leases ns/l');
    expect(lock.identity()).toBe('me');
  });

  it('converts second-precision times (from an annotation record) to MicroTime and keeps labels', async () => {
    const kube = new FakeKube();
    kube.objects.set('leases/ns/l', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l', namespace: 'ns', resourceVersion: '7', labels: { keep: 'me' } },
      spec: { holderIdentity: 'x', preferredHolder: 'y', strategy: 'OldestEmulationVersion' },
    } as Lease);
    const lock = new LeaseLock({ kube: kube.client, namespace: 'ns', name: 'l', identity: 'me' });
    const snap = await lock.get();
    expect(snap!.record).toEqual({
      holderIdentity: 'x',
      leaseDurationSeconds: 0,
      acquireTime: '',
      renewTime: '',
      leaderTransitions: 0,
    });
    await lock.update({
      ...record,
      acquireTime: '2024-05-06T09:08:09+02:00',
      renewTime: '2024-05-06T07:08:19Z',
    });
    const stored = kube.objects.get('leases/ns/l') as Lease;
    expect(stored.metadata!.labels).toEqual({ keep: 'me' });
    expect(stored.spec).toEqual({
      holderIdentity: 'me',
      leaseDurationSeconds: 15,
      acquireTime: '2024-05-06T07:08:09.000000Z',
      renewTime: '2024-05-06T07:08:19.000000Z',
      leaseTransitions: 3,
    });
  });

  it('guards updates with the resourceVersion it last saw', async () => {
    const kube = new FakeKube();
    const a = new LeaseLock({ kube: kube.client, namespace: 'ns', name: 'l', identity: 'a' });
    const b = new LeaseLock({ kube: kube.client, namespace: 'ns', name: 'l', identity: 'b' });
    await expect(a.update(record)).rejects.toThrow(/before get or create/);
    await a.create(record);
    await b.get();
    await a.update({ ...record, renewTime: '2024-05-06T07:08:29.000000Z' });
    const err = await b.update({ ...record, holderIdentity: 'b' }).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    // After a fresh read the update goes through.
    await b.get();
    await b.update({ ...record, holderIdentity: 'b' });
  });

  it.each([
    [{ namespace: 'ns', name: 'l', identity: '' }, /identity/],
    [{ namespace: 'ns', name: 'l', identity: '  ' }, /identity/],
    [{ namespace: '', name: 'l', identity: 'me' }, /namespace/],
    [{ namespace: 'ns', name: '', identity: 'me' }, /name/],
  ])('rejects bad options with a ConfigError: %o', (opts, message) => {
    const kube = new FakeKube();
    expect(() => new LeaseLock({ kube: kube.client, ...opts })).toThrow(ConfigError);
    expect(() => new LeaseLock({ kube: kube.client, ...opts })).toThrow(message);
  });

  it('records events on the Lease through the recorder, contained', async () => {
    const kube = new FakeKube();
    const events: unknown[] = [];
    const lock = new LeaseLock({
      kube: kube.client,
      namespace: 'ns',
      name: 'l',
      identity: 'me',
      eventRecorder: {
        event(object, type, reason, message) {
          events.push({ object, type, reason, message });
          throw new Error('recorder broke');
        },
      },
    });
    await lock.create(record);
    lock.recordEvent('became leader');
    expect(events).toEqual([
      {
        object: expect.objectContaining({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: expect.objectContaining({ name: 'l', namespace: 'ns' }),
        }),
        type: 'Normal',
        reason: 'LeaderElection',
        message: 'me became leader',
      },
    ]);
  });
});

describe('ConfigMapLock and EndpointsLock', () => {
  it.each([
    ['configmaps', ConfigMapLock],
    ['endpoints', EndpointsLock],
  ] as const)(
    '%s: store the record in the annotation exactly as old components wrote it',
    async (resource, Lock) => {
      const kube = new FakeKube();
      const lock = new Lock({ kube: kube.client, namespace: 'kube-system', name: 'sched', identity: 'me' });
      await lock.create(record);
      const stored = kube.objects.get(`${resource}/kube-system/sched`)!;
      expect(stored.metadata!.annotations![LEADER_ANNOTATION]).toBe(
        '{"holderIdentity":"me","leaseDurationSeconds":15,"acquireTime":"2024-05-06T07:08:09Z",' +
          '"renewTime":"2024-05-06T07:08:19Z","leaderTransitions":3}',
      );
      const snap = await lock.get();
      expect(snap!.record).toEqual({
        ...record,
        acquireTime: '2024-05-06T07:08:09Z',
        renewTime: '2024-05-06T07:08:19Z',
      });
      expect(snap!.raw).toBe(stored.metadata!.annotations![LEADER_ANNOTATION]);
    },
  );

  it('reads a record written by an old kube-scheduler and keeps data and other annotations on update', async () => {
    const kube = new FakeKube();
    const old =
      '{"holderIdentity":"master-1_6b0c","leaseDurationSeconds":15,"acquireTime":"2019-03-01T10:00:00Z",' +
      '"renewTime":"2019-03-01T10:05:00Z","leaderTransitions":2}';
    kube.objects.set('configmaps/kube-system/kube-scheduler', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'kube-scheduler',
        namespace: 'kube-system',
        resourceVersion: '5',
        annotations: { [LEADER_ANNOTATION]: old, other: 'x' },
      },
      data: { k: 'v' },
    } as ConfigMap);
    const lock = new ConfigMapLock({
      kube: kube.client,
      namespace: 'kube-system',
      name: 'kube-scheduler',
      identity: 'me',
    });
    const snap = await lock.get();
    expect(snap!.record).toEqual({
      holderIdentity: 'master-1_6b0c',
      leaseDurationSeconds: 15,
      acquireTime: '2019-03-01T10:00:00Z',
      renewTime: '2019-03-01T10:05:00Z',
      leaderTransitions: 2,
    });
    await lock.update({ ...snap!.record, holderIdentity: 'me', leaderTransitions: 3 });
    const stored = kube.objects.get('configmaps/kube-system/kube-scheduler') as ConfigMap;
    expect(stored.data).toEqual({ k: 'v' });
    expect(stored.metadata!.annotations!.other).toBe('x');
    expect(JSON.parse(stored.metadata!.annotations![LEADER_ANNOTATION]!).holderIdentity).toBe('me');
  });

  it('treats an object without the annotation as unheld, and a released record (null times) too', async () => {
    const kube = new FakeKube();
    kube.objects.set('configmaps/ns/plain', {
      metadata: { name: 'plain', namespace: 'ns', resourceVersion: '1' },
    });
    kube.objects.set('configmaps/ns/released', {
      metadata: {
        name: 'released',
        namespace: 'ns',
        resourceVersion: '2',
        annotations: {
          [LEADER_ANNOTATION]:
            '{"holderIdentity":"","leaseDurationSeconds":0,"acquireTime":null,"renewTime":null,"leaderTransitions":4}',
        },
      },
    });
    for (const name of ['plain', 'released']) {
      const lock = new ConfigMapLock({ kube: kube.client, namespace: 'ns', name, identity: 'me' });
      const snap = await lock.get();
      expect(snap!.record.holderIdentity).toBe('');
      expect(snap!.record.acquireTime).toBe('');
    }
  });

  it('a corrupt annotation is a ConfigError that names the object and the fix', async () => {
    const kube = new FakeKube();
    kube.objects.set('configmaps/ns/bad', {
      metadata: {
        name: 'bad',
        namespace: 'ns',
        resourceVersion: '1',
        annotations: { [LEADER_ANNOTATION]: '{nope' },
      },
    });
    const lock = new ConfigMapLock({ kube: kube.client, namespace: 'ns', name: 'bad', identity: 'me' });
    const err = await lock.get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/configmaps ns\/bad.*not JSON.*remove it/);
  });
});

describe('MultiLock', () => {
  function pair(kube: FakeKube, identity: string) {
    const opts = { kube: kube.client, namespace: 'ns', name: 'x', identity };
    return new MultiLock(new ConfigMapLock(opts), new LeaseLock(opts));
  }

  it('creates both objects and reports the primary record while both agree', async () => {
    const kube = new FakeKube();
    const lock = pair(kube, 'me');
    expect(await lock.get()).toBeUndefined();
    await lock.create(record);
    expect(kube.objects.has('configmaps/ns/x')).toBe(true);
    expect(kube.objects.has('leases/ns/x')).toBe(true);
    const snap = await lock.get();
    expect(snap!.record.holderIdentity).toBe('me');
    expect(snap!.raw).toContain(',');
    expect(lock.describe()).toBe('configmaps ns/x (primary) + leases ns/x');
  });

  it('reports an unknown leader when the objects disagree', async () => {
    const kube = new FakeKube();
    await pair(kube, 'me').create(record);
    const lease = new LeaseLock({ kube: kube.client, namespace: 'ns', name: 'x', identity: 'other' });
    await lease.get();
    await lease.update({ ...record, holderIdentity: 'other' });
    const snap = await pair(kube, 'me').get();
    expect(snap!.record.holderIdentity).toBe('leaderelection.k8s.io/unknown');
  });

  it('while only the old object exists (old replicas), reports its record and creates the Lease on update', async () => {
    const kube = new FakeKube();
    const old = new ConfigMapLock({ kube: kube.client, namespace: 'ns', name: 'x', identity: 'old' });
    await old.create({ ...record, holderIdentity: 'old' });
    const lock = pair(kube, 'me');
    const snap = await lock.get();
    expect(snap!.record.holderIdentity).toBe('old');
    await lock.update({ ...record, holderIdentity: 'me' });
    expect((kube.objects.get('leases/ns/x') as Lease).spec!.holderIdentity).toBe('me');
  });

  it('create fails when the primary exists (an old replica created it first): never a silent takeover', async () => {
    const kube = new FakeKube();
    const lock = pair(kube, 'me');
    expect(await lock.get()).toBeUndefined();
    await new ConfigMapLock({ kube: kube.client, namespace: 'ns', name: 'x', identity: 'old' }).create({
      ...record,
      holderIdentity: 'old',
    });
    const err = await lock.create(record).catch((e: unknown) => e);
    expect((err as { reason?: string }).reason).toBe('AlreadyExists');
    expect(kube.objects.has('leases/ns/x')).toBe(false);
  });

  it('an update loses to a concurrent write of the primary', async () => {
    const kube = new FakeKube();
    const lock = pair(kube, 'me');
    await lock.create(record);
    await lock.get();
    const old = new ConfigMapLock({ kube: kube.client, namespace: 'ns', name: 'x', identity: 'old' });
    await old.get();
    await old.update({ ...record, holderIdentity: 'old' });
    const err = await lock.update(record).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
  });

  it('needs one identity on both locks', () => {
    const kube = new FakeKube();
    expect(
      () =>
        new MultiLock(
          new ConfigMapLock({ kube: kube.client, namespace: 'ns', name: 'x', identity: 'a' }),
          new LeaseLock({ kube: kube.client, namespace: 'ns', name: 'x', identity: 'b' }),
        ),
    ).toThrow(/share one identity/);
  });
});

describe('newResourceLock', () => {
  it.each([
    ['leases', 'leases ns/n'],
    ['configmaps', 'configmaps ns/n'],
    ['endpoints', 'endpoints ns/n'],
    ['configmapsleases', 'configmaps ns/n (primary) + leases ns/n'],
    ['endpointsleases', 'endpoints ns/n (primary) + leases ns/n'],
  ] as const)('%s', (type, description) => {
    const lock = newResourceLock(type, {
      kube: new FakeKube().client,
      namespace: 'ns',
      name: 'n',
      identity: 'me',
    });
    expect(lock.describe()).toBe(description);
    expect(lock.identity()).toBe('me');
  });

  it('rejects an unknown type and a missing identity', () => {
    const kube = new FakeKube().client;
    expect(() =>
      newResourceLock('leasez' as 'leases', { kube, namespace: 'ns', name: 'n', identity: 'me' }),
    ).toThrow(/Unknown resource lock type "leasez"; use one of leases, configmaps/);
    expect(() =>
      newResourceLock('configmapsleases', { kube, namespace: 'ns', name: 'n', identity: '' }),
    ).toThrow(ConfigError);
  });
});
