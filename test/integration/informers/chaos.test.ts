import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ConfigMaps,
  isAlreadyExists,
  isNotFound,
  KubeClient,
  Namespaces,
} from '../../../src/client/index.js';
import { DeletedFinalStateUnknown, SharedInformerFactory } from '../../../src/informers/index.js';
import { ChaosProxy, LocalControlPlane } from '../../../src/testing/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** name → resourceVersion of what a view holds. */
type View = Map<string, string>;

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

// One file, its own control plane: the apiserver is restarted here, which no other file may see.
describe('informer under chaos', () => {
  const namespace = 'chaos';
  let plane: LocalControlPlane;
  let proxy: ChaosProxy;
  let direct: KubeClient;

  beforeAll(async () => {
    plane = await LocalControlPlane.start({ binDir: inject('kubeLocal').binDir });
    proxy = await ChaosProxy.start({
      server: plane.server,
      caFile: plane.caFile,
      certFile: plane.users.admin.certFile!,
      keyFile: plane.users.admin.keyFile!,
    });
    direct = await KubeClient.load({ qps: -1, connection: { kubeconfig: plane.kubeconfigPath } });
    await direct.resource(Namespaces).create({ metadata: { name: namespace } });
  });
  afterAll(async () => {
    await direct?.close();
    await proxy?.stop();
    await plane?.stop();
  });

  it('ends with cache and every handler equal to the server after cuts, half-open connections, restarts, 410s and 429/500s', async () => {
    const timersBefore = activeTimers();
    const errors: unknown[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);

    const viaProxy = new KubeClient(
      {
        server: proxy.url,
        namespace,
        tls: { insecureSkipVerify: false },
        auth: { authorization: async () => undefined, invalidate: async () => false },
        identity: 'chaos-proxy',
      },
      { qps: -1, maxRetries: 0 },
    );
    const factory = new SharedInformerFactory(viaProxy, {
      namespace,
      onError: (err) => errors.push(err),
      // Short limits so a half-open connection is noticed within the test's time.
      reflector: { inactivityTimeoutMs: 2000, backoff: { initialMs: 100, maxMs: 1000 } },
    });
    const informer = factory.informerFor(ConfigMaps);
    const handlerViews: View[] = [new Map(), new Map()];
    const tombstones = new Set<string>();
    for (const view of handlerViews) {
      informer.addEventHandler({
        onAdd: (cm) => void view.set(cm.metadata!.name!, cm.metadata!.resourceVersion!),
        onUpdate: (_old, cm) => void view.set(cm.metadata!.name!, cm.metadata!.resourceVersion!),
        onDelete: (obj) => {
          const cm = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
          if (obj instanceof DeletedFinalStateUnknown && view === handlerViews[0])
            tombstones.add(cm.metadata!.name!);
          view.delete(cm.metadata!.name!);
        },
      });
    }
    const stop = new AbortController();
    factory.start(stop.signal);
    expect(await factory.waitForCacheSync(AbortSignal.timeout(30_000))).toBe(true);

    // The writer goes straight to the apiserver and shrugs off its restarts.
    const cms = direct.resource(ConfigMaps).namespace(namespace);
    let writing = true;
    let writes = 0;
    const writer = (async () => {
      let n = 0;
      while (writing) {
        const name = `cm-${n % 40}`;
        try {
          const op = n % 3;
          if (op === 0) await cms.create({ metadata: { name }, data: { n: String(n) } });
          else if (op === 1) await cms.patch(name, { data: { n: String(n) } });
          else await cms.delete(name);
          writes++;
        } catch (err) {
          if (!isNotFound(err) && !isAlreadyExists(err)) await sleep(100);
        }
        n++;
        await sleep(5);
      }
    })();

    const watchesBefore = informer.stats.watches;
    await sleep(500);
    proxy.cut();
    await sleep(500);
    proxy.cut();
    await sleep(500);
    // Half-open: the connection stays up but nothing flows; new requests hang too.
    proxy.blackhole(true);
    await sleep(3500);
    proxy.blackhole(false);
    await sleep(500);
    await plane.restartApiServer();
    await sleep(500);
    proxy.injectErrors(3, 500);
    proxy.cut();
    await eventually(() => proxy.stats.injectedErrors >= 3, 15_000, 'the 500s to be served');
    proxy.injectErrors(3, 429);
    proxy.cut();
    await eventually(() => proxy.stats.injectedErrors >= 6, 15_000, 'the 429s to be served');
    await plane.restartApiServer();
    await sleep(500);

    // Deletes the informer cannot see, then a 410: the relist must turn them into tombstones.
    proxy.blackhole(true);
    await sleep(200);
    writing = false;
    await writer;
    // Only objects the informer knows can come back as tombstones.
    const doomed = (await cms.list()).items
      .filter(
        (c) =>
          informer.indexer.getByKey(`${namespace}/${c.metadata!.name}`)?.metadata?.resourceVersion ===
          c.metadata!.resourceVersion,
      )
      .map((c) => c.metadata!.name!)
      .slice(0, 5);
    expect(doomed.length).toBeGreaterThan(0);
    for (const name of doomed) await cms.delete(name);
    proxy.injectErrors(1, 410);
    proxy.cut();
    proxy.blackhole(false);

    const serverView = async (): Promise<View> =>
      new Map((await cms.list()).items.map((c) => [c.metadata!.name!, c.metadata!.resourceVersion!]));
    const expected = await serverView();
    const cacheView = (): View =>
      new Map(
        informer.indexer.list().map((c: ConfigMap) => [c.metadata!.name!, c.metadata!.resourceVersion!]),
      );
    const same = (a: View, b: View) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
    await eventually(
      () => same(cacheView(), expected) && handlerViews.every((v) => same(v, expected)),
      30_000,
      'cache and handlers to converge on the server state',
    ).catch((err) => {
      const cache = cacheView();
      const diff = [...new Set([...cache.keys(), ...expected.keys()])].filter(
        (k) => cache.get(k) !== expected.get(k),
      );
      console.log(
        'DIFF',
        diff.map((k) => `${k}: cache=${cache.get(k)} server=${expected.get(k)}`),
        informer.stats,
        informer.lastSyncResourceVersion,
        errors.slice(-8).map(String),
        proxy.stats,
      );
      throw err;
    });

    expect(writes).toBeGreaterThan(100);
    for (const name of doomed) expect(tombstones.has(name)).toBe(true);
    // It reconnected by itself after each disruption: several watches and at least one relist.
    expect(informer.stats.watches - watchesBefore).toBeGreaterThanOrEqual(6);
    expect(informer.stats.relists).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeGreaterThan(0);
    expect(proxy.stats.injectedErrors).toBe(7);

    stop.abort();
    await factory.shutdown();
    await viaProxy.close();
    await eventually(() => proxy.openConnections === 0, 10_000, 'the informer’s connections to close');
    await eventually(() => activeTimers() <= timersBefore, 10_000, 'timers to be released');
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });
});
