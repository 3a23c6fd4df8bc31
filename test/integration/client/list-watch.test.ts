import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigMaps,
  type KubeClient,
  listAll,
  listPages,
  type ResourceClient,
  type WatchEvent,
} from '../../../src/client/index.js';
import { clientAs } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';

describe('list and watch against kube-apiserver', () => {
  const ns = useTestNamespace('lw');
  let kube: KubeClient;
  let cms: ResourceClient<ConfigMap>;
  beforeAll(async () => {
    kube = await clientAs('admin');
    cms = kube.resource(ConfigMaps).namespace(ns());
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        cms.create({ metadata: { name: `item-${String(i).padStart(2, '0')}`, labels: { batch: 'a' } } }),
      ),
    );
  });
  afterAll(() => kube.close());

  it('pages with limit/continue and assembles the same set as one list', async () => {
    const sizes: number[] = [];
    const names: string[] = [];
    for await (const page of listPages(cms, { limit: 10, labelSelector: 'batch=a' })) {
      sizes.push(page.items.length);
      names.push(...page.items.map((c) => c.metadata!.name!));
    }
    expect(sizes).toEqual([10, 10, 5]);
    const all = await listAll(cms, { limit: 7, labelSelector: 'batch=a' });
    expect(all.items.map((c) => c.metadata!.name)).toEqual(names);
    expect(all.fellBackToFullList).toBe(false);
    expect(Number(all.resourceVersion)).toBeGreaterThan(0);
  });

  it('watches from a list’s resourceVersion and sees every change in order', async () => {
    const list = await cms.list();
    const controller = new AbortController();
    const events: WatchEvent<ConfigMap>[] = [];
    const watching = (async () => {
      for await (const e of cms.watch({
        resourceVersion: list.metadata.resourceVersion,
        signal: controller.signal,
      })) {
        if (e.type === 'BOOKMARK') continue;
        events.push(e);
        if (events.length === 3) break;
      }
    })();
    await cms.create({ metadata: { name: 'watched' }, data: { v: '1' } });
    await cms.patch('watched', { data: { v: '2' } });
    await cms.delete('watched');
    await watching;
    expect(events.map((e) => [e.type, e.object.metadata?.name])).toEqual([
      ['ADDED', 'watched'],
      ['MODIFIED', 'watched'],
      ['DELETED', 'watched'],
    ]);
    expect(events[1]?.object.data).toEqual({ v: '2' });
  });

  it('streams the initial state then the initial-events-end bookmark with sendInitialEvents', async () => {
    const seen = new Set<string>();
    let endBookmark: ConfigMap | undefined;
    for await (const e of cms.watch({
      sendInitialEvents: true,
      resourceVersionMatch: 'NotOlderThan',
      labelSelector: 'batch=a',
    })) {
      if (e.type === 'ADDED') seen.add(e.object.metadata!.name!);
      if (e.type === 'BOOKMARK' && e.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true') {
        endBookmark = e.object;
        break;
      }
    }
    expect(seen.size).toBe(25);
    expect(Number(endBookmark?.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it('ends cleanly when the server-side timeout elapses', async () => {
    const list = await cms.list();
    const started = Date.now();
    let n = 0;
    for await (const _ of cms.watch({ resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 1 }))
      n++;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(n).toBe(0);
  });

  it('stops a watch and its socket when the signal aborts', async () => {
    const controller = new AbortController();
    const iteration = (async () => {
      for await (const _ of cms.watch({
        signal: controller.signal,
        resourceVersion: (await cms.list()).metadata.resourceVersion,
      })) {
        // nothing happens in this namespace meanwhile
      }
    })();
    setTimeout(() => controller.abort(new Error('test done')), 200);
    await expect(iteration).rejects.toThrow('test done');
  });

  it('stops a watch mid-stream when the signal aborts, even right after a bookmark', async () => {
    const controller = new AbortController();
    const stream = cms
      .watch({ sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', signal: controller.signal })
      [Symbol.asyncIterator]();
    for (;;) {
      const next = await stream.next();
      if (next.value?.type === 'BOOKMARK') break;
    }
    const pending = stream.next();
    setTimeout(() => controller.abort(new Error('stop after bookmark')), 100);
    await expect(pending).rejects.toThrow('stop after bookmark');
  });

  it('breaks a silent watch with the inactivity timeout', async () => {
    const list = await cms.list();
    const err = await (async () => {
      for await (const _ of cms.watch({
        resourceVersion: list.metadata.resourceVersion,
        inactivityTimeoutMs: 500,
        allowWatchBookmarks: false,
      })) {
        // silent namespace
      }
    })().catch((e) => e);
    expect(err.name).toBe('TransportError');
    expect(err.code).toBe('UND_ERR_BODY_TIMEOUT');
  });

  it('finds resources by kind through discovery, including ones served later', async () => {
    const byKind = await kube.resourceForKind<ConfigMap>('v1', 'ConfigMap');
    expect(byKind.type).toMatchObject({ resource: 'configmaps', namespaced: true });
    const deployments = await kube.resourceForKind('apps/v1', 'Deployment');
    expect(deployments.type.resource).toBe('deployments');
    await expect(kube.resourceForKind('apps/v1', 'NoSuchKind')).rejects.toThrow(/NoSuchKind/);
    const version = await kube.discovery.serverVersion();
    expect(version.gitVersion).toMatch(/^v1\./);
  });
});
