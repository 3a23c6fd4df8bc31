import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigMaps, type KubeClient, type ResourceClient } from '../../../src/client/index.js';
import {
  DeletedFinalStateUnknown,
  Lister,
  type ResourceEventHandler,
  SharedInformerFactory,
  stripManagedFields,
  waitForCacheSync,
} from '../../../src/informers/index.js';
import { clientAs } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';

/** Polls `check` every 20 ms until it holds, failing after `ms`. */
async function eventually(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Seen = { type: string; name: string; rv?: string; initial?: boolean; tombstone?: boolean };

function recorder(): { seen: Seen[]; handler: ResourceEventHandler<ConfigMap> } {
  const seen: Seen[] = [];
  return {
    seen,
    handler: {
      onAdd: (obj, initial) =>
        seen.push({ type: 'add', name: obj.metadata!.name!, rv: obj.metadata?.resourceVersion, initial }),
      onUpdate: (_old, obj) =>
        seen.push({ type: 'update', name: obj.metadata!.name!, rv: obj.metadata?.resourceVersion }),
      onDelete: (obj) =>
        seen.push(
          obj instanceof DeletedFinalStateUnknown
            ? { type: 'delete', name: obj.obj.metadata!.name!, tombstone: true }
            : { type: 'delete', name: obj.metadata!.name! },
        ),
    },
  };
}

describe('SharedIndexInformer against kube-apiserver', () => {
  const ns = useTestNamespace('inf');
  let kube: KubeClient;
  let cms: ResourceClient<ConfigMap>;
  beforeAll(async () => {
    kube = await clientAs('admin');
    cms = kube.resource(ConfigMaps).namespace(ns());
    for (let i = 0; i < 30; i++) {
      await cms.create({
        metadata: { name: `pre-${i}`, labels: { tier: i % 2 ? 'odd' : 'even' } },
        data: { i: String(i) },
      });
    }
  });
  afterAll(() => kube.close());

  it('syncs the initial list, follows changes, and serves listers and indexes from the cache', async () => {
    const factory = new SharedInformerFactory(kube, { namespace: ns(), transform: stripManagedFields });
    const informer = factory.informerFor(ConfigMaps, {
      indexers: { byData: (cm) => (cm.data?.i ? [cm.data.i] : []) },
    });
    const { seen, handler } = recorder();
    const registration = informer.addEventHandler(handler);
    const abort = new AbortController();
    factory.start(abort.signal);
    expect(await factory.waitForCacheSync(AbortSignal.timeout(30_000))).toBe(true);
    await eventually(() => registration.hasSynced(), 10_000, 'handler sync');
    expect(seen.filter((s) => s.type === 'add' && s.initial)).toHaveLength(30);
    expect(informer.indexer.list()[0]?.metadata?.managedFields).toBeUndefined();

    const lister = new Lister(informer.indexer);
    expect(lister.namespace(ns()).list('tier=odd')).toHaveLength(15);
    expect(lister.namespace(ns()).get('pre-3')?.data).toEqual({ i: '3' });
    expect(informer.indexer.byIndex('byData', '7').map((c) => c.metadata?.name)).toEqual(['pre-7']);

    await cms.create({ metadata: { name: 'new' } });
    await cms.patch('pre-0', { data: { i: 'changed' } });
    await cms.delete('pre-1');
    await eventually(() => seen.some((s) => s.type === 'delete' && s.name === 'pre-1'), 10_000, 'the delete');
    expect(seen.slice(30).map((s) => [s.type, s.name, s.initial ?? false])).toEqual([
      ['add', 'new', false],
      ['update', 'pre-0', false],
      ['delete', 'pre-1', false],
    ]);
    expect(lister.namespace(ns()).get('pre-0')?.data).toEqual({ i: 'changed' });
    expect(lister.namespace(ns()).get('pre-1')).toBeUndefined();
    expect(informer.indexer.byIndex('byData', 'changed')).toHaveLength(1);
    expect(informer.indexer.byIndex('byData', '0')).toHaveLength(0);

    // A handler added late catches up with everything cached, then follows along.
    const late = recorder();
    const lateRegistration = informer.addEventHandler(late.handler);
    await eventually(() => lateRegistration.hasSynced(), 10_000, 'late handler sync');
    expect(late.seen.filter((s) => s.type === 'add' && s.initial)).toHaveLength(30);
    informer.removeEventHandler(lateRegistration);
    informer.removeEventHandler(lateRegistration);
    await cms.create({ metadata: { name: 'after-removal' } });
    await eventually(() => seen.some((s) => s.name === 'after-removal'), 10_000, 'the add');
    expect(late.seen.some((s) => s.name === 'after-removal')).toBe(false);

    abort.abort();
    await factory.shutdown();
    expect(informer.running).toBe(false);
    expect(informer.stats.relists).toBe(0);
  });

  it('shares one informer per resource and selectors, and start() is repeatable', async () => {
    const factory = new SharedInformerFactory(kube, { namespace: ns() });
    const byData = (cm: ConfigMap) => (cm.data?.i ? [cm.data.i] : []);
    const a = factory.informerFor(ConfigMaps, { indexers: { byData } });
    // Two controllers asking for the same index share it; a different function under a name
    // already taken is refused.
    expect(factory.informerFor(ConfigMaps, { indexers: { byData } })).toBe(a);
    expect(factory.listerFor(ConfigMaps, { indexers: { byData } })).toBeInstanceOf(Lister);
    expect(() => factory.informerFor(ConfigMaps, { indexers: { byData: () => [] } })).toThrow(/byData/);
    expect(factory.informerFor(ConfigMaps)).toBe(a);
    const odd = factory.informerFor(ConfigMaps, { labelSelector: 'tier=odd' });
    expect(odd).not.toBe(a);
    factory.start();
    expect(await factory.waitForCacheSync(AbortSignal.timeout(30_000))).toBe(true);
    const even = factory.informerFor(ConfigMaps, { labelSelector: 'tier=even' });
    factory.start();
    expect(await waitForCacheSync(AbortSignal.timeout(30_000), [even])).toBe(true);
    expect(odd.indexer.list().every((c) => c.metadata?.labels?.tier === 'odd')).toBe(true);
    expect(even.indexer.list().every((c) => c.metadata?.labels?.tier === 'even')).toBe(true);
    expect(odd.indexer.size + even.indexer.size).toBeLessThanOrEqual(a.indexer.size);
    expect(a.indexer.byIndex('byData', '7').map((c) => c.metadata?.name)).toEqual(['pre-7']);
    await factory.shutdown();
  });

  it('keeps a slow handler from delaying a fast one, and contains a throwing handler', async () => {
    const factory = new SharedInformerFactory(kube, { namespace: ns(), onError: (err) => errors.push(err) });
    const errors: unknown[] = [];
    const informer = factory.informerFor(ConfigMaps);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let slowCalls = 0;
    informer.addEventHandler({
      onAdd: async () => {
        slowCalls++;
        await gate;
      },
    });
    informer.addEventHandler({
      onAdd: () => {
        throw new Error('handler bug');
      },
    });
    const fast = recorder();
    const fastRegistration = informer.addEventHandler(fast.handler);
    factory.start();
    await eventually(() => fastRegistration.hasSynced(), 10_000, 'fast handler sync');
    expect(slowCalls).toBe(1);
    expect(errors.filter((e) => String(e).includes('handler bug')).length).toBeGreaterThanOrEqual(
      fast.seen.length,
    );
    release();
    await eventually(() => slowCalls === fast.seen.length, 10_000, 'slow handler catching up');
    await factory.shutdown();
  });

  it('delivers resyncs only to handlers that asked for them', async () => {
    const factory = new SharedInformerFactory(kube, { namespace: ns(), labelSelector: 'tier=odd' });
    const informer = factory.informerFor(ConfigMaps);
    const resyncing = recorder();
    const quiet = recorder();
    informer.addEventHandler(resyncing.handler, { resyncPeriodMs: 1000 });
    informer.addEventHandler(quiet.handler);
    factory.start();
    await eventually(
      () => resyncing.seen.filter((s) => s.type === 'update').length >= 30,
      15_000,
      'two resync rounds',
    );
    // A resync is an update with an unchanged resourceVersion.
    const synced = resyncing.seen.filter((s) => s.type === 'update');
    const bySeenRv = new Map(resyncing.seen.filter((s) => s.type === 'add').map((s) => [s.name, s.rv]));
    expect(synced.every((s) => bySeenRv.get(s.name) === s.rv)).toBe(true);
    expect(quiet.seen.filter((s) => s.type === 'update')).toHaveLength(0);
    await factory.shutdown();
  });
});
