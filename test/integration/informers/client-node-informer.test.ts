import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigMaps, type KubeClient, type ResourceClient } from '../../../src/client/index.js';
import { makeClientNodeInformer, SharedInformerFactory } from '../../../src/informers/index.js';
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

describe('client-node informer facade against kube-apiserver', () => {
  const ns = useTestNamespace('cni');
  let kube: KubeClient;
  let cms: ResourceClient<ConfigMap>;
  beforeAll(async () => {
    kube = await clientAs('admin');
    cms = kube.resource(ConfigMaps).namespace(ns());
    await cms.create({ metadata: { name: 'pre', labels: { app: 'demo' } }, data: { v: '0' } });
  });
  afterAll(() => kube.close());

  it('reports add, update, change and delete in order, serves list()/get(), honours off() and stop()', async () => {
    const informer = makeClientNodeInformer(cms, { labelSelector: 'app=demo' });
    const seen: string[] = [];
    const changes: string[] = [];
    const removed: string[] = [];
    let connects = 0;
    const errors: unknown[] = [];
    informer.on('add', (obj) => void seen.push(`add:${obj.metadata?.name}`));
    informer.on(
      'update',
      (obj, old) => void seen.push(`update:${obj.metadata?.name}:${old.data?.v}->${obj.data?.v}`),
    );
    informer.on('delete', (obj) => void seen.push(`delete:${obj.metadata?.name}:${obj.data?.v}`));
    informer.on('change', (obj) => void changes.push(obj.metadata!.name!));
    const offed = (obj: ConfigMap) => void removed.push(obj.metadata!.name!);
    informer.on('add', offed);
    informer.on('connect', () => void connects++);
    informer.on('error', (err) => void errors.push(err));

    await informer.start();
    expect(seen).toEqual(['add:pre']);
    expect(informer.get('pre', ns())?.data).toEqual({ v: '0' });
    expect(informer.list(ns()).map((o) => o.metadata?.name)).toEqual(['pre']);
    expect(informer.latestResourceVersion()).not.toBe('');
    await eventually(() => connects >= 1, 10_000, 'the watch');

    informer.off('add', offed);
    await cms.create({ metadata: { name: 'cm', labels: { app: 'demo' } }, data: { v: '1' } });
    await cms.patch('cm', { data: { v: '2' } });
    await cms.create({ metadata: { name: 'unlabelled' } });
    await cms.delete('cm');
    await eventually(() => seen.length === 4, 10_000, 'the delete');
    expect(seen).toEqual(['add:pre', 'add:cm', 'update:cm:1->2', 'delete:cm:2']);
    expect(changes).toEqual(['pre', 'cm', 'cm', 'cm']);
    expect(removed).toEqual(['pre']);
    expect(informer.get('cm', ns())).toBeUndefined();
    expect(informer.get('unlabelled', ns())).toBeUndefined();
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['pre']);

    // After stop() nothing more is reported. A second informer, still running, sees the next
    // change: once it has, the stopped one would have had it too.
    await informer.stop();
    expect(informer.informer?.running).toBe(false);
    const witness = makeClientNodeInformer(cms, { labelSelector: 'app=demo' });
    const witnessed: string[] = [];
    witness.on('add', (obj) => void witnessed.push(obj.metadata!.name!));
    await witness.start();
    await cms.create({ metadata: { name: 'after-stop', labels: { app: 'demo' } } });
    await eventually(() => witnessed.includes('after-stop'), 10_000, 'the witness');
    await witness.stop();
    expect(seen).toHaveLength(4);
    expect(informer.get('after-stop', ns())).toBeUndefined();

    // Started again, it reports only what changed while it was stopped.
    await informer.start();
    expect(seen.slice(4)).toEqual(['add:after-stop']);
    await informer.stop();
    expect(errors).toEqual([]);
  });

  it('listens to a factory informer that others share, and leaves it running when stopped', async () => {
    const factory = new SharedInformerFactory(kube, { namespace: ns() });
    const shared = factory.informerFor(ConfigMaps);
    const informer = makeClientNodeInformer(shared);
    const seen: string[] = [];
    informer.on('change', (obj) => void seen.push(obj.metadata!.name!));
    let connects = 0;
    informer.on('connect', () => void connects++);
    const abort = new AbortController();
    factory.start(abort.signal);
    await informer.start();
    expect(connects).toBe(1);
    expect(seen).toContain('pre');
    expect(
      informer
        .list(ns())
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(
      shared.indexer
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
    );

    await informer.stop();
    expect(shared.running).toBe(true);
    await cms.create({ metadata: { name: 'shared-after-stop' } });
    await eventually(() => shared.indexer.getByKey(`${ns()}/shared-after-stop`) !== undefined);
    expect(seen).not.toContain('shared-after-stop');

    abort.abort();
    await factory.shutdown();
  });
});
