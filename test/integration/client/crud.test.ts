import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { ConfigMap, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  ConfigMaps,
  Deployments,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isInvalid,
  isNotFound,
  type KubeClient,
  Namespaces,
  Pods,
  retryOnConflict,
} from '../../../src/client/index.js';
import { clientAs, skipUnlessAvailable } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';

// The local plane runs no scheduler; a real cluster (KUBEKIT_TEST_KUBECONFIG) does. Pods that name
// a scheduler nobody runs stay unscheduled there too, so binding and eviction see the same pods.
const NO_SCHEDULER = 'kubekit-test-unscheduled';

describe('ResourceClient against kube-apiserver', () => {
  const ns = useTestNamespace('crud');
  let kube: KubeClient;
  beforeAll(async () => {
    kube = await clientAs('admin');
  });
  afterAll(() => kube.close());

  const cm = (name: string, data: Record<string, string> = {}): ConfigMap => ({ metadata: { name }, data });

  it('creates, reads, updates and deletes, with typed errors for each failure', async () => {
    const cms = kube.resource(ConfigMaps).namespace(ns());
    const created = await cms.create(cm('one', { a: '1' }));
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.kind).toBe('ConfigMap');

    const again = await cms.create(cm('one')).catch((e) => e);
    expect(isAlreadyExists(again)).toBe(true);

    const got = await cms.get('one');
    expect(got.data).toEqual({ a: '1' });

    const updated = await cms.update({ ...got, data: { a: '2' } });
    expect(updated.data).toEqual({ a: '2' });
    // The stale copy carries the old resourceVersion: optimistic concurrency says no.
    const stale = await cms.update({ ...got, data: { a: 'stale' } }).catch((e) => e);
    expect(isConflict(stale)).toBe(true);
    expect(stale).toBeInstanceOf(ApiError);

    const deleted = await cms.delete('one', { preconditions: { uid: created.metadata!.uid! } });
    expect(deleted).toBeTruthy();
    const missing = await cms.get('one').catch((e) => e);
    expect(isNotFound(missing)).toBe(true);
    expect(missing.message).toContain('"one" not found');
  });

  it('refuses a delete whose precondition does not hold', async () => {
    const cms = kube.resource(ConfigMaps).namespace(ns());
    await cms.create(cm('guarded'));
    const err = await cms.delete('guarded', { preconditions: { uid: 'not-the-uid' } }).catch((e) => e);
    expect(isConflict(err)).toBe(true);
    expect((await cms.get('guarded')).metadata?.name).toBe('guarded');
  });

  it('reports validation failures as Invalid with the offending field', async () => {
    const err = await kube
      .resource(ConfigMaps)
      .namespace(ns())
      .create(cm('Not_A_Valid_Name'))
      .catch((e) => e);
    expect(isInvalid(err)).toBe(true);
    expect((err as ApiError).status.details?.causes?.some((c) => c.field === 'metadata.name')).toBe(true);
  });

  it('patches with JSON merge, JSON patch, strategic merge and server-side apply', async () => {
    const cms = kube.resource(ConfigMaps).namespace(ns());
    await cms.create(cm('patched', { a: '1', b: '2' }));
    let out = await cms.patch('patched', { data: { b: null, c: '3' } });
    expect(out.data).toEqual({ a: '1', c: '3' });
    out = await cms.patch('patched', [{ op: 'replace', path: '/data/a', value: 'one' }], { type: 'json' });
    expect(out.data).toEqual({ a: 'one', c: '3' });
    out = await cms.patch('patched', { metadata: { labels: { tier: 'x' } } }, { type: 'strategic' });
    expect(out.metadata?.labels).toEqual({ tier: 'x' });

    const applied = await cms.apply(cm('applied', { owned: 'yes' }), { fieldManager: 'kubekit-test' });
    expect(applied.data).toEqual({ owned: 'yes' });
    expect(
      applied.metadata?.managedFields?.some((f) => f.manager === 'kubekit-test' && f.operation === 'Apply'),
    ).toBe(true);
    // Another manager touching the same field conflicts unless it forces.
    const conflict = await cms
      .apply(cm('applied', { owned: 'no' }), { fieldManager: 'other' })
      .catch((e) => e);
    expect(isConflict(conflict)).toBe(true);
    const forced = await cms.apply(cm('applied', { owned: 'no' }), { fieldManager: 'other', force: true });
    expect(forced.data).toEqual({ owned: 'no' });
  });

  it('retries a read-modify-write on conflict until it lands', async () => {
    const cms = kube.resource(ConfigMaps).namespace(ns());
    await cms.create(cm('counter', { n: '0' }));
    await Promise.all(
      Array.from({ length: 5 }, () =>
        retryOnConflict(
          async () => {
            const cur = await cms.get('counter');
            await cms.update({ ...cur, data: { n: String(Number(cur.data?.n) + 1) } });
          },
          { steps: 20 },
        ),
      ),
    );
    expect((await cms.get('counter')).data?.n).toBe('5');
  });

  it('uses the scale and status subresources', async () => {
    const deployments = kube.resource(Deployments).namespace(ns());
    const dep: Deployment = {
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { schedulerName: NO_SCHEDULER, containers: [{ name: 'c', image: 'x' }] },
        },
      },
    };
    await deployments.create(dep);
    const scale = await deployments.getSubresource<{ spec: { replicas: number } }>('web', 'scale');
    expect(scale.spec.replicas).toBe(1);
    // A real cluster's deployment controller writes the status meanwhile, which changes the
    // resourceVersion these writes name: each re-reads and tries again on a conflict (the local
    // plane runs no controllers, so there the first attempt lands).
    await retryOnConflict(async () => {
      const cur = await deployments.getSubresource<{ spec: { replicas: number } }>('web', 'scale');
      await deployments.updateSubresource('web', 'scale', { ...cur, spec: { replicas: 3 } });
    });
    expect((await deployments.get('web')).spec?.replicas).toBe(3);

    let withStatus: Deployment | undefined;
    await retryOnConflict(async () => {
      const cur = await deployments.get('web');
      withStatus = await deployments.updateStatus({
        ...cur,
        status: { observedGeneration: 7, replicas: 0 },
      });
    });
    expect(withStatus?.status?.observedGeneration).toBe(7);
  });

  it('binds and evicts pods through their subresources', async () => {
    const pods = kube.resource(Pods).namespace(ns());
    const pod = (name: string): Pod => ({
      metadata: { name },
      spec: { schedulerName: NO_SCHEDULER, containers: [{ name: 'c', image: 'x' }] },
    });
    await pods.create(pod('bound'));
    await pods.createSubresource('bound', 'binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'bound' },
      target: { apiVersion: 'v1', kind: 'Node', name: 'node-a' },
    });
    expect((await pods.get('bound')).spec?.nodeName).toBe('node-a');

    await pods.create(pod('evicted'));
    await pods.createSubresource('evicted', 'eviction', {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'evicted', namespace: ns() },
    });
    // An unscheduled pod has no kubelet to wait for: eviction deletes it at once.
    expect(isNotFound(await pods.get('evicted').catch((e) => e))).toBe(true);
  });

  it('deletes a collection by label selector only', async () => {
    const cms = kube.resource(ConfigMaps).namespace(ns());
    for (const [name, group] of [
      ['g1', 'doomed'],
      ['g2', 'doomed'],
      ['g3', 'kept'],
    ]) {
      await cms.create({ metadata: { name, labels: { group: group! } } });
    }
    await cms.deleteCollection({ labelSelector: 'group=doomed' });
    const left = await cms.list({ labelSelector: 'group' });
    expect(left.items.map((c) => c.metadata?.name)).toEqual(['g3']);
  });

  it('reads cluster-scoped resources and refuses to scope them to a namespace', async () => {
    const namespaces = await kube.resource(Namespaces).list();
    expect(namespaces.items.map((n) => n.metadata?.name)).toContain(ns());
    expect(() => kube.resource(Namespaces).namespace('x')).toThrow(/cluster-scoped/);
  });

  it('surfaces RBAC denials as Forbidden for the restricted user', async (ctx) => {
    skipUnlessAvailable(ctx, ['restricted']);
    const restricted = await clientAs('restricted');
    const err = await restricted
      .resource(ConfigMaps)
      .namespace(ns())
      .list()
      .catch((e) => e);
    expect(isForbidden(err)).toBe(true);
    expect(err.message).toContain('kubekit-restricted');
    await restricted.close();
  });
});
