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

// Every test creates the ConfigMaps it asserts on, labelled `fixture=<its own name>`, and its
// informers select on that label: a test passes when run alone, and the namespace's other objects
// (other tests', or the `kube-root-ca.crt` a real cluster puts in every namespace) never count.
const FIXTURE = 'kubekit.dev/fixture';

describe('SharedIndexInformer against kube-apiserver', () => {
  const ns = useTestNamespace('inf');
  let kube: KubeClient;
  let cms: ResourceClient<ConfigMap>;
  beforeAll(async () => {
    kube = await clientAs('admin');
    cms = kube.resource(ConfigMaps).namespace(ns());
  });
  afterAll(() => kube.close());

  /** Labels of one fixture object (plus `extra`). */
  const labelled = (fixture: string, extra: Record<string, string> = {}) => ({
    labels: { [FIXTURE]: fixture, ...extra },
  });

  /**
   * Creates `<fixture>-0 … <fixture>-<n-1>`, labelled with the fixture and tier odd/even by
   * index, `data.i` the index; returns the fixture's label selector.
   */
  async function seed(fixture: string, n: number): Promise<string> {
    for (let i = 0; i < n; i++) {
      await cms.create({
        metadata: { name: `${fixture}-${i}`, ...labelled(fixture, { tier: i % 2 ? 'odd' : 'even' }) },
        data: { i: String(i) },
      });
    }
    return `${FIXTURE}=${fixture}`;
  }

  const names = (list: readonly ConfigMap[]) => list.map((c) => c.metadata!.name!).sort();
  const fixtureNames = (fixture: string, indexes: number[]) => indexes.map((i) => `${fixture}-${i}`).sort();
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const isOdd = (i: number) => i % 2 === 1;
  const isEven = (i: number) => i % 2 === 0;

  it('syncs the initial list, follows changes, and serves listers and indexes from the cache', async () => {
    const selector = await seed('follow', 30);
    const factory = new SharedInformerFactory(kube, {
      namespace: ns(),
      labelSelector: selector,
      transform: stripManagedFields,
    });
    const informer = factory.informerFor(ConfigMaps, {
      indexers: { byData: (cm) => (cm.data?.i ? [cm.data.i] : []) },
    });
    const { seen, handler } = recorder();
    const registration = informer.addEventHandler(handler);
    const abort = new AbortController();
    factory.start(abort.signal);
    expect(await factory.waitForCacheSync(AbortSignal.timeout(30_000))).toBe(true);
    await eventually(() => registration.hasSynced(), 10_000, 'handler sync');
    const initial = seen.filter((s) => s.type === 'add' && s.initial);
    expect(initial.map((s) => s.name).sort()).toEqual(fixtureNames('follow', range(30)));
    expect(seen).toHaveLength(30);
    expect(informer.indexer.size).toBe(30);
    expect(informer.indexer.list().filter((c) => c.metadata?.managedFields !== undefined)).toEqual([]);

    const lister = new Lister(informer.indexer);
    expect(names(lister.namespace(ns()).list('tier=odd'))).toEqual(
      fixtureNames('follow', range(30).filter(isOdd)),
    );
    expect(lister.namespace(ns()).get('follow-3')?.data).toEqual({ i: '3' });
    expect(informer.indexer.byIndex('byData', '7').map((c) => c.metadata?.name)).toEqual(['follow-7']);

    await cms.create({ metadata: { name: 'follow-new', ...labelled('follow') } });
    await cms.patch('follow-0', { data: { i: 'changed' } });
    await cms.delete('follow-1');
    await eventually(
      () => seen.some((s) => s.type === 'delete' && s.name === 'follow-1'),
      10_000,
      'the delete',
    );
    expect(seen.slice(30).map((s) => [s.type, s.name, s.initial ?? false])).toEqual([
      ['add', 'follow-new', false],
      ['update', 'follow-0', false],
      ['delete', 'follow-1', false],
    ]);
    expect(lister.namespace(ns()).get('follow-0')?.data).toEqual({ i: 'changed' });
    expect(lister.namespace(ns()).get('follow-1')).toBeUndefined();
    expect(informer.indexer.byIndex('byData', 'changed').map((c) => c.metadata?.name)).toEqual(['follow-0']);
    expect(informer.indexer.byIndex('byData', '0')).toHaveLength(0);
    expect(informer.indexer.size).toBe(30);

    // A handler added late catches up with everything cached, then follows along.
    const late = recorder();
    const lateRegistration = informer.addEventHandler(late.handler);
    await eventually(() => lateRegistration.hasSynced(), 10_000, 'late handler sync');
    expect(
      late.seen
        .filter((s) => s.type === 'add' && s.initial)
        .map((s) => s.name)
        .sort(),
    ).toEqual(
      [
        ...fixtureNames(
          'follow',
          range(30).filter((i) => i !== 1),
        ),
        'follow-new',
      ].sort(),
    );
    informer.removeEventHandler(lateRegistration);
    informer.removeEventHandler(lateRegistration);
    await cms.create({ metadata: { name: 'follow-after-removal', ...labelled('follow') } });
    await eventually(() => seen.some((s) => s.name === 'follow-after-removal'), 10_000, 'the add');
    expect(late.seen.some((s) => s.name === 'follow-after-removal')).toBe(false);

    abort.abort();
    await factory.shutdown();
    expect(informer.running).toBe(false);
    expect(informer.stats.relists).toBe(0);
  });

  it('shares one informer per resource and selectors, and start() is repeatable', async () => {
    const selector = await seed('share', 10);
    const factory = new SharedInformerFactory(kube, { namespace: ns(), labelSelector: selector });
    const byData = (cm: ConfigMap) => (cm.data?.i ? [cm.data.i] : []);
    const a = factory.informerFor(ConfigMaps, { indexers: { byData } });
    // Two controllers asking for the same index share it; a different function under a name
    // already taken is refused.
    expect(factory.informerFor(ConfigMaps, { indexers: { byData } })).toBe(a);
    expect(factory.listerFor(ConfigMaps, { indexers: { byData } })).toBeInstanceOf(Lister);
    expect(() => factory.informerFor(ConfigMaps, { indexers: { byData: () => [] } })).toThrow(/byData/);
    expect(factory.informerFor(ConfigMaps)).toBe(a);
    const odd = factory.informerFor(ConfigMaps, { labelSelector: `${selector},tier=odd` });
    expect(odd).not.toBe(a);
    factory.start();
    expect(await factory.waitForCacheSync(AbortSignal.timeout(30_000))).toBe(true);
    const even = factory.informerFor(ConfigMaps, { labelSelector: `${selector},tier=even` });
    expect(even).not.toBe(odd);
    expect(even.hasSynced()).toBe(false);
    factory.start();
    expect(await waitForCacheSync(AbortSignal.timeout(30_000), [even])).toBe(true);
    expect(names(a.indexer.list())).toEqual(fixtureNames('share', range(10)));
    expect(names(odd.indexer.list())).toEqual(fixtureNames('share', range(10).filter(isOdd)));
    expect(names(even.indexer.list())).toEqual(fixtureNames('share', range(10).filter(isEven)));
    expect(a.indexer.byIndex('byData', '7').map((c) => c.metadata?.name)).toEqual(['share-7']);
    expect([a.running, odd.running, even.running]).toEqual([true, true, true]);
    await factory.shutdown();
  });

  it('keeps a slow handler from delaying a fast one, and contains a throwing handler', async () => {
    const selector = await seed('slow', 10);
    const errors: unknown[] = [];
    const factory = new SharedInformerFactory(kube, {
      namespace: ns(),
      labelSelector: selector,
      onError: (err) => errors.push(err),
    });
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
    let throwingCalls = 0;
    informer.addEventHandler({
      onAdd: () => {
        throwingCalls++;
        throw new Error('handler bug');
      },
    });
    const fast = recorder();
    const fastRegistration = informer.addEventHandler(fast.handler);
    factory.start();
    await eventually(() => fastRegistration.hasSynced(), 10_000, 'fast handler sync');
    // The fast handler saw all ten while the slow one is still stuck in its first call.
    expect(fast.seen.map((s) => s.name).sort()).toEqual(fixtureNames('slow', range(10)));
    expect(slowCalls).toBe(1);
    // The throwing handler was called for every object, each throw reported, none fatal.
    await eventually(() => throwingCalls === 10, 10_000, 'the throwing handler');
    await eventually(
      () => errors.filter((e) => String(e).includes('handler bug')).length === 10,
      10_000,
      'ten contained handler errors',
    );
    release();
    await eventually(() => slowCalls === 10, 10_000, 'slow handler catching up');
    expect(informer.running).toBe(true);
    await factory.shutdown();
  });

  it('delivers resyncs only to handlers that asked for them', async () => {
    const selector = await seed('resync', 6);
    const odd = fixtureNames('resync', range(6).filter(isOdd));
    const factory = new SharedInformerFactory(kube, {
      namespace: ns(),
      labelSelector: `${selector},tier=odd`,
    });
    const informer = factory.informerFor(ConfigMaps);
    const resyncing = recorder();
    const quiet = recorder();
    informer.addEventHandler(resyncing.handler, { resyncPeriodMs: 1000 });
    informer.addEventHandler(quiet.handler);
    factory.start();
    // Two resync rounds of the three odd objects.
    await eventually(
      () => resyncing.seen.filter((s) => s.type === 'update').length >= 2 * odd.length,
      15_000,
      'two resync rounds',
    );
    const adds = resyncing.seen.filter((s) => s.type === 'add');
    expect(adds.map((s) => s.name).sort()).toEqual(odd);
    // A resync is an update with an unchanged resourceVersion, for every cached object.
    const synced = resyncing.seen.filter((s) => s.type === 'update');
    const bySeenRv = new Map(adds.map((s) => [s.name, s.rv]));
    expect(synced.filter((s) => bySeenRv.get(s.name) !== s.rv)).toEqual([]);
    expect([...new Set(synced.map((s) => s.name))].sort()).toEqual(odd);
    expect(quiet.seen.map((s) => s.name).sort()).toEqual(odd);
    expect(quiet.seen.filter((s) => s.type !== 'add')).toEqual([]);
    await factory.shutdown();
  });
});
