import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { ConfigMaps, isGone, KubeClient, listAll } from '../../../src/client/index.js';
import { LocalControlPlane } from '../../../src/testing/index.js';
import { type LocalOnlyNeed, missingForTest, skipUnlessAvailable } from '../support/kube.js';

// Its own control plane, from the tools/kube-local binaries: against an existing cluster
// (KUBEKIT_TEST_KUBECONFIG) there are none, so nothing is started and every test skips, saying why.
const NEEDS: LocalOnlyNeed[] = ['binaries'];

// kube-apiserver's watch cache answers recent resourceVersions from memory whatever etcd has
// compacted, so this file runs its own control plane with the cache off: watches and lists then
// go to etcd, and compaction turns an old resourceVersion into 410 Gone on demand.
describe('expired resourceVersions against an etcd-backed apiserver', () => {
  let plane: LocalControlPlane;
  let kube: KubeClient;
  const available = missingForTest(NEEDS) === undefined;
  beforeEach((ctx) => skipUnlessAvailable(ctx, NEEDS));
  beforeAll(async () => {
    if (!available) return;
    plane = await LocalControlPlane.start({
      binDir: inject('kubeLocal').binDir,
      apiServerFlags: ['--watch-cache=false'],
    });
    kube = await KubeClient.load({ qps: -1, connection: { kubeconfig: plane.kubeconfigPath } });
  });
  afterAll(async () => {
    await kube?.close();
    await plane?.stop();
  });

  it('ends a watch from a compacted resourceVersion with an ERROR event the caller sees as 410 Gone', async () => {
    const cms = kube.resource(ConfigMaps).namespace('default');
    const old = (await cms.list()).metadata.resourceVersion!;
    // A watch from RV n reads etcd from n+1 and compaction keeps the revision it compacts to,
    // so two writes are needed before n+1 itself is history.
    await cms.create({ metadata: { name: 'after-old-1' } });
    await cms.create({ metadata: { name: 'after-old-2' } });
    await plane.compact();
    const events: unknown[] = [];
    const err = await (async () => {
      for await (const e of cms.watch({ resourceVersion: old, timeoutSeconds: 30 })) events.push(e);
    })().catch((e) => e);
    expect(isGone(err)).toBe(true);
    expect(events).toEqual([]);
  });

  it('falls back to one full list when a continue token expires half way', async () => {
    const cms = kube.resource(ConfigMaps).namespace('default');
    await Promise.all(Array.from({ length: 6 }, (_, i) => cms.create({ metadata: { name: `page-${i}` } })));
    // Compact between the first and second page: the continue token now points at history.
    const pages = {
      ...cms,
      list: async (options: Parameters<typeof cms.list>[0]) => {
        const page = await cms.list(options);
        if (!options?.continue && options?.limit) {
          // Compaction keeps the revision it compacts to, so move past the page's first.
          await cms.create({ metadata: { generateName: 'bump-' } });
          await plane.compact();
        }
        return page;
      },
    } as typeof cms;
    const paged = await listAll<ConfigMap>(pages, { limit: 2 });
    expect(paged.fellBackToFullList).toBe(true);
    const names = paged.items.map((c) => c.metadata?.name);
    for (let i = 0; i < 6; i++) expect(names).toContain(`page-${i}`);
  });
});
