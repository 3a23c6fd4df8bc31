import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  ConfigMaps,
  isAlreadyExists,
  isNotFound,
  KubeClient,
  Namespaces,
  TransportError,
} from '../../../src/client/index.js';
import { type InformerErrorSource, SharedInformerFactory } from '../../../src/informers/index.js';
import { ChaosProxy, LocalControlPlane } from '../../../src/testing/index.js';
import {
  CountingMetricsProvider,
  diffByKey,
  RecordingHandler,
  rvsByKey,
} from '../support/informer-recorder.js';
import { type LocalOnlyNeed, missingForTest, skipUnlessAvailable } from '../support/kube.js';

// Its own control plane, from the tools/kube-local binaries: against an existing cluster
// (KUBEKIT_TEST_KUBECONFIG) there are none, so nothing is started and every test skips, saying why.
const NEEDS: LocalOnlyNeed[] = ['binaries'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

// One file, its own control plane: the apiserver is restarted here, which no other file may see.
describe('informer under chaos', () => {
  const namespace = 'chaos';
  let plane: LocalControlPlane;
  let proxy: ChaosProxy;
  let direct: KubeClient;
  const available = missingForTest(NEEDS) === undefined;
  beforeEach((ctx) => skipUnlessAvailable(ctx, NEEDS));

  beforeAll(async () => {
    if (!available) return;
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

  it('delivers a consistent story to every handler and ends equal to the server after cuts, half-open connections, restarts, 410s and 429/500s', async () => {
    const timersBefore = activeTimers();
    const errors: { err: unknown; source: InformerErrorSource; watchesBefore: number }[] = [];
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
    const metrics = new CountingMetricsProvider();
    const factory = new SharedInformerFactory(viaProxy, {
      namespace,
      // Each error with the number of watches started before it, to tell what came after.
      onError: (err, source) => errors.push({ err, source, watchesBefore: metrics.count('watches') }),
      metrics,
      // Short limits so a half-open connection is noticed within the test's time.
      reflector: { inactivityTimeoutMs: 2000, backoff: { initialMs: 100, maxMs: 1000 } },
    });
    const informer = factory.informerFor(ConfigMaps);
    const handlers = [new RecordingHandler<ConfigMap>('first'), new RecordingHandler<ConfigMap>('second')];
    for (const handler of handlers) informer.addEventHandler(handler);
    const stop = new AbortController();
    factory.start(stop.signal);
    expect(await factory.waitForCacheSync(AbortSignal.timeout(30_000))).toBe(true);

    const cms = direct.resource(ConfigMaps).namespace(namespace);
    const key = (name: string) => `${namespace}/${name}`;
    const cachedRV = (name: string) => informer.indexer.getByKey(key(name))?.metadata?.resourceVersion;
    const checkDeliveries = (when: string) => {
      for (const handler of handlers) handler.assertConsistent(when);
    };
    /**
     * Waits until the cache and every handler's view equal a fresh server list (the server must
     * be still: the writer paused or stopped), then checks every delivery so far.
     */
    const converge = async (when: string, ms = 30_000) => {
      const server = (await cms.list()).items;
      const expected = rvsByKey(server);
      const differences = () => [
        ...diffByKey(rvsByKey(informer.indexer.list()), expected, 'cache'),
        ...handlers.flatMap((h) => h.diff(server)),
      ];
      await eventually(() => differences().length === 0, ms, `cache and handlers to converge ${when}`).catch(
        (err) => {
          console.log(
            'DIFF',
            when,
            differences(),
            informer.stats,
            informer.lastSyncResourceVersion,
            errors.slice(-8).map((e) => `${e.source}: ${String(e.err)}`),
            proxy.stats,
          );
          throw err;
        },
      );
      checkDeliveries(when);
      return server;
    };

    // The writer goes straight to the apiserver and shrugs off its restarts.
    let writing = true;
    let paused = false;
    let idle = false;
    let writes = 0;
    const writer = (async () => {
      let n = 0;
      while (writing) {
        if (paused) {
          idle = true;
          await sleep(20);
          continue;
        }
        idle = false;
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
      idle = true;
    })();
    const pauseWriter = async () => {
      paused = true;
      idle = false;
      await eventually(() => idle, 10_000, 'the writer to pause');
    };

    // 1. Connections dropped mid-stream.
    await sleep(500);
    proxy.cut();
    await sleep(500);
    proxy.cut();
    await sleep(500);
    await pauseWriter();
    await converge('after cuts');

    // 2. Half-open: the watch's connection stays up but nothing flows, and new requests hang.
    // A change the informer sees proves a watch is streaming right now…
    const marker = await cms.create({ metadata: { name: 'stall-marker' } });
    await eventually(
      () => cachedRV('stall-marker') === marker.metadata!.resourceVersion,
      10_000,
      'the marker to be cached',
    );
    const relistsBeforeStall = metrics.count('relists');
    const errorsBeforeStall = errors.length;
    proxy.blackhole(true);
    // …then writes it can only get once the stall is over.
    const patched = ['cm-1', 'cm-4', 'cm-7'].filter((name) => cachedRV(name) !== undefined);
    for (let i = 0; i < 3; i++) await cms.create({ metadata: { name: `stall-${i}` } });
    for (const name of patched) await cms.patch(name, { data: { stalled: 'yes' } });
    await cms.delete('stall-marker');
    // The inactivity limit ends the stalled watch (a body timeout: its headers had come) and a
    // new watch is started after it, all while the hole is still open.
    const replaced = () =>
      errors
        .slice(errorsBeforeStall)
        .some(
          (e) =>
            e.source === 'watch' &&
            e.err instanceof TransportError &&
            e.err.code === 'UND_ERR_BODY_TIMEOUT' &&
            metrics.count('watches') > e.watchesBefore,
        );
    await eventually(replaced, 15_000, 'the inactivity limit to replace the stalled watch').catch((err) => {
      console.log(
        'STALL',
        errors.slice(errorsBeforeStall).map((e) => `${e.source}: ${String(e.err)}`),
        metrics.count('watches'),
      );
      throw err;
    });
    // Nothing came through the hole.
    expect(cachedRV('stall-0')).toBeUndefined();
    expect(cachedRV('stall-marker')).toBe(marker.metadata!.resourceVersion);
    proxy.blackhole(false);
    const afterStall = await converge('after the half-open connection');
    expect(afterStall.some((c) => c.metadata!.name === 'stall-2')).toBe(true);
    // Caught up by resuming the watch from where it stopped, not by relisting: the marker's
    // deletion came as a real delete event, not as a tombstone.
    expect(metrics.count('relists')).toBe(relistsBeforeStall);
    for (const handler of handlers) expect(handler.tombstones.has(key('stall-marker'))).toBe(false);
    paused = false;

    // 3. Restarts and injected 500s and 429s while the writer keeps going.
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
    checkDeliveries('after restarts, 500s and 429s');

    // 4. Deletes the informer cannot see, then an HTTP 410 made by the proxy (the real
    // apiserver's in-stream 410 is in expired-resource-version.test.ts): the relist must turn
    // them into tombstones.
    proxy.blackhole(true);
    await sleep(200);
    writing = false;
    await writer;
    // Only objects the informer knows can come back as tombstones.
    const doomed = (await cms.list()).items
      .filter((c) => cachedRV(c.metadata!.name!) === c.metadata!.resourceVersion)
      .map((c) => c.metadata!.name!)
      .slice(0, 5);
    expect(doomed.length).toBeGreaterThan(0);
    const tombstonesBefore = handlers.map((h) => new Map(h.tombstones));
    for (const name of doomed) await cms.delete(name);
    const relistsBefore410 = metrics.count('relists');
    proxy.injectErrors(1, 410);
    proxy.cut();
    proxy.blackhole(false);
    await converge('after the 410');

    expect(writes).toBeGreaterThan(100);
    expect(metrics.count('relists')).toBeGreaterThan(relistsBefore410);
    handlers.forEach((handler, i) => {
      for (const name of doomed) {
        const before = tombstonesBefore[i]!.get(key(name)) ?? 0;
        expect(handler.tombstones.get(key(name)), `tombstones for ${name}`).toBe(before + 1);
      }
    });
    // It reconnected by itself after each disruption; the metrics hooks saw what the stats say.
    expect(metrics.count('watches')).toBe(informer.stats.watches);
    expect(metrics.count('relists')).toBe(informer.stats.relists);
    expect(informer.stats.watches).toBeGreaterThanOrEqual(8);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.filter((e) => e.source === 'handler')).toEqual([]);
    expect(proxy.stats.injectedErrors).toBe(7);

    stop.abort();
    await factory.shutdown();
    await viaProxy.close();
    await eventually(() => proxy.openConnections === 0, 10_000, 'the informer’s connections to close');
    await eventually(() => activeTimers() <= timersBefore, 10_000, 'timers to be released');
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  }, 240_000);
});
