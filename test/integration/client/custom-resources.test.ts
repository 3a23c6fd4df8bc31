import { randomBytes } from 'node:crypto';
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CustomResourceDefinitions,
  isConflict,
  isNotFound,
  type KubeClient,
  type KubeObject,
  NoKindMatchError,
  resourceType,
} from '../../../src/client/index.js';
import { SharedInformerFactory } from '../../../src/informers/index.js';
import { clientAs } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';

interface Widget extends KubeObject {
  spec: { size: number; color?: string };
  status?: { phase?: string };
}

// CRDs are cluster-scoped: a random group keeps parallel runs and files apart.
const group = `w${randomBytes(3).toString('hex')}.kubekit.test`;
const Widgets = resourceType<Widget>({
  group,
  version: 'v1',
  resource: 'widgets',
  kind: 'Widget',
  namespaced: true,
});

const crd: CustomResourceDefinition = {
  metadata: { name: `widgets.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: { size: { type: 'integer', minimum: 1 }, color: { type: 'string' } },
              },
              status: { type: 'object', properties: { phase: { type: 'string' } } },
            },
          },
        },
      },
    ],
  },
};

describe('custom resources', () => {
  const ns = useTestNamespace('crd');
  let kube: KubeClient;
  beforeAll(async () => {
    kube = await clientAs('admin');
  });
  afterAll(async () => {
    await kube
      .resource(CustomResourceDefinitions)
      .delete(crd.metadata!.name!)
      .catch(() => {});
    await kube.close();
  });

  it('finds a kind through discovery once its CRD is installed, after a miss', async () => {
    await expect(kube.resourceForKind(`${group}/v1`, 'Widget')).rejects.toBeInstanceOf(NoKindMatchError);
    await kube.resource(CustomResourceDefinitions).create(crd);
    // The CRD is usable once Established; poll with a bound rather than sleeping blindly.
    for (let i = 0; i < 100; i++) {
      const cur = await kube.resource(CustomResourceDefinitions).get(crd.metadata!.name!);
      if (cur.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Established does not mean discovery serves the group yet: the apiserver's aggregated
    // discovery catches up a moment later (longer on a loaded machine). Every call that misses
    // refreshes kubekit's discovery cache, which is what this test is about; the bound only
    // covers the server's own lag.
    let found: Awaited<ReturnType<typeof kube.resourceForKind<Widget>>> | undefined;
    for (let i = 0; i < 100 && !found; i++) {
      found = await kube.resourceForKind<Widget>(`${group}/v1`, 'Widget').catch((err: unknown) => {
        if (!(err instanceof NoKindMatchError)) throw err;
        return undefined;
      });
      if (!found) await new Promise((r) => setTimeout(r, 100));
    }
    expect(found?.type).toMatchObject({ group, version: 'v1', resource: 'widgets', namespaced: true });
  });

  it('does CRUD, status and optimistic concurrency on the custom resource', async () => {
    const widgets = kube.resource(Widgets).namespace(ns());
    const created = await widgets.create({ metadata: { name: 'w1' }, spec: { size: 3 } });
    expect(created.apiVersion).toBe(`${group}/v1`);
    expect(created.metadata?.generation).toBe(1);

    const updated = await widgets.update({ ...created, spec: { size: 4, color: 'red' } });
    expect(updated.metadata?.generation).toBe(2);
    expect(isConflict(await widgets.update({ ...created, spec: { size: 5 } }).catch((e: unknown) => e))).toBe(
      true,
    );

    // The status subresource changes status only and leaves the generation alone.
    const withStatus = await widgets.updateStatus({ ...updated, status: { phase: 'Ready' } });
    expect(withStatus.status?.phase).toBe('Ready');
    expect(withStatus.metadata?.generation).toBe(2);

    const invalid = await widgets
      .create({ metadata: { name: 'w2' }, spec: { size: 0 } })
      .catch((e: unknown) => e);
    expect((invalid as { reason?: string }).reason).toBe('Invalid');

    const listed = await kube.resource(Widgets).list();
    expect(listed.items.map((w) => w.metadata?.name)).toContain('w1');
    await widgets.delete('w1');
    expect(isNotFound(await widgets.get('w1').catch((e: unknown) => e))).toBe(true);
  });

  it('delivers bookmarks when asked: progress made elsewhere reaches a quiet watch', async () => {
    const widgets = kube.resource(Widgets).namespace(ns());
    const list = await widgets.list();
    const bookmarks: Widget[] = [];
    // A change in another namespace advances the resource's cache without an event for this
    // watch; the server then sends a bookmark shortly before the watch's deadline.
    const elsewhere = setTimeout(() => {
      void kube
        .resource(Widgets)
        .namespace('default')
        .create({ metadata: { name: 'elsewhere' }, spec: { size: 1 } });
    }, 300);
    try {
      for await (const e of widgets.watch({
        resourceVersion: list.metadata.resourceVersion,
        timeoutSeconds: 5,
        allowWatchBookmarks: true,
      })) {
        if (e.type === 'BOOKMARK') bookmarks.push(e.object);
        else throw new Error(`unexpected ${e.type} in a quiet namespace`);
      }
    } finally {
      clearTimeout(elsewhere);
    }
    expect(bookmarks.length).toBeGreaterThan(0);
    expect(Number(bookmarks[0]?.metadata?.resourceVersion)).toBeGreaterThan(
      Number(list.metadata.resourceVersion),
    );
    expect(bookmarks[0]?.spec).toBeUndefined();
  });

  it('feeds a shared informer found by kind through discovery, as for built-in types', async () => {
    const factory = new SharedInformerFactory(kube, { namespace: ns() });
    const informer = await factory.informerForKind<Widget>(`${group}/v1`, 'Widget');
    // The same informer as for the explicit resource type: one watch per resource and selectors.
    expect(factory.informerFor(Widgets)).toBe(informer);
    const widgets = kube.resource(Widgets).namespace(ns());
    await widgets.create({ metadata: { name: 'before' }, spec: { size: 1 } });
    const seen: string[] = [];
    informer.addEventHandler({
      onAdd: (w) => void seen.push(`add ${w.metadata?.name}`),
      onUpdate: (_old, w) => void seen.push(`update ${w.metadata?.name} ${w.spec.size}`),
      onDelete: () => void seen.push('delete'),
    });
    const stop = new AbortController();
    factory.start(stop.signal);
    try {
      expect(await factory.waitForCacheSync(AbortSignal.timeout(15_000))).toBe(true);
      const before = await widgets.get('before');
      await widgets.update({ ...before, spec: { size: 2 } });
      await widgets.delete('before');
      for (let i = 0; i < 200 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 25));
      expect(seen).toEqual(['add before', 'update before 2', 'delete']);
      expect(informer.indexer.size).toBe(0);
    } finally {
      stop.abort();
      await factory.shutdown();
    }
  });
});
