import { readFileSync } from 'node:fs';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { ApiError, ConfigMaps, isGone, KubeClient, Namespaces } from '../../../src/client/index.js';
import { type InformerErrorSource, listWatchFor, SharedIndexInformer } from '../../../src/informers/index.js';
import { ChaosProxy, LocalControlPlane } from '../../../src/testing/index.js';
import {
  CountingMetricsProvider,
  diffByKey,
  RecordingHandler,
  RecordingListWatch,
  rvsByKey,
} from '../support/informer-recorder.js';
import { type LocalOnlyNeed, missingForTest, skipUnlessAvailable } from '../support/kube.js';

// Its own control plane, from the tools/kube-local binaries: against an existing cluster
// (KUBEKIT_TEST_KUBECONFIG) there are none, so nothing is started and every test skips, saying why.
// (Its ChaosProxy presents this plane's own admin certificate.)
const NEEDS: LocalOnlyNeed[] = ['binaries'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// kube-apiserver's watch cache answers recent resourceVersions from memory whatever etcd has
// compacted, so this file runs its own control plane with the cache off: a watch then reads
// etcd, and after a compaction a watch from an old resourceVersion is answered the way a real
// server answers it — HTTP 200, then an ERROR event carrying a Status with code 410.
describe('informer recovery from a really expired resourceVersion', () => {
  const namespace = 'expired-rv';
  let plane: LocalControlPlane;
  let proxy: ChaosProxy;
  let direct: KubeClient;
  let viaProxy: KubeClient;
  const available = missingForTest(NEEDS) === undefined;
  beforeEach((ctx) => skipUnlessAvailable(ctx, NEEDS));

  beforeAll(async () => {
    if (!available) return;
    plane = await LocalControlPlane.start({
      binDir: inject('kubeLocal').binDir,
      apiServerFlags: ['--watch-cache=false'],
    });
    proxy = await ChaosProxy.start({
      server: plane.server,
      caFile: plane.caFile,
      certFile: plane.users.admin.certFile!,
      keyFile: plane.users.admin.keyFile!,
    });
    direct = await KubeClient.load({ qps: -1, connection: { kubeconfig: plane.kubeconfigPath } });
    await direct.resource(Namespaces).create({ metadata: { name: namespace } });
    viaProxy = new KubeClient(
      {
        server: proxy.url,
        namespace,
        tls: { insecureSkipVerify: false },
        auth: { authorization: async () => undefined, invalidate: async () => false },
        identity: 'expired-rv-proxy',
      },
      { qps: -1, maxRetries: 0 },
    );
  });
  afterAll(async () => {
    await viaProxy?.close();
    await direct?.close();
    await proxy?.stop();
    await plane?.stop();
  });

  /** A watch straight at the apiserver (no kubekit code): its HTTP status and its first line. */
  async function rawWatch(resourceVersion: string): Promise<{ status: number; first: unknown }> {
    const agent = new Agent({
      connect: {
        ca: readFileSync(plane.caFile),
        cert: readFileSync(plane.users.admin.certFile!),
        key: readFileSync(plane.users.admin.keyFile!),
      },
    });
    try {
      const res = await request(
        `${plane.server}/api/v1/namespaces/${namespace}/configmaps?watch=true&resourceVersion=${resourceVersion}&timeoutSeconds=5`,
        { dispatcher: agent, headersTimeout: 10_000, bodyTimeout: 10_000 },
      );
      const text = await res.body.text();
      return { status: res.statusCode, first: JSON.parse(text.split('\n')[0]!) };
    } finally {
      await agent.close();
    }
  }

  it('relists after the in-stream 410, delivers tombstones for what was deleted meanwhile and ends equal to the server', async () => {
    const cms = direct.resource(ConfigMaps).namespace(namespace);
    const names = {
      keep: ['keep-0', 'keep-1', 'keep-2'],
      changed: ['changed-0', 'changed-1', 'changed-2'],
      doomed: ['doomed-0', 'doomed-1', 'doomed-2', 'doomed-3'],
      born: ['born-0', 'born-1'],
    };
    for (const name of [...names.keep, ...names.changed, ...names.doomed])
      await cms.create({ metadata: { name }, data: { v: '1' } });

    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const errors: { err: unknown; source: InformerErrorSource }[] = [];
    const metrics = new CountingMetricsProvider();
    const listWatch = new RecordingListWatch(
      listWatchFor(viaProxy.resource(ConfigMaps).namespace(namespace)),
    );
    const informer = new SharedIndexInformer<ConfigMap>(listWatch, {
      name: 'expired-rv',
      metrics,
      onError: (err, source) => errors.push({ err, source }),
      // The default inactivity limit (minutes) is kept: the informer must not notice the cut-off
      // by itself and relist for another reason before the connection comes back.
      reflector: { backoff: { initialMs: 100, maxMs: 1000 } },
    });
    const handlers = [new RecordingHandler<ConfigMap>('first'), new RecordingHandler<ConfigMap>('second')];
    for (const handler of handlers) informer.addEventHandler(handler);
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    const key = (name: string) => `${namespace}/${name}`;
    const cachedRV = (name: string) => informer.indexer.getByKey(key(name))?.metadata?.resourceVersion;

    const converge = async (when: string) => {
      const server = (await cms.list()).items;
      const expected = rvsByKey(server);
      const differences = () => [
        ...diffByKey(rvsByKey(informer.indexer.list()), expected, 'cache'),
        ...handlers.flatMap((h) => h.diff(server)),
      ];
      await eventually(
        () => differences().length === 0,
        30_000,
        `cache and handlers to converge ${when}`,
      ).catch((err) => {
        console.log('DIFF', when, differences(), informer.stats, listWatch.watches, errors, proxy.stats);
        throw err;
      });
      for (const handler of handlers) handler.assertConsistent(when);
      return server;
    };

    try {
      const initial = await converge('after the first list');
      expect(initial).toHaveLength(names.keep.length + names.changed.length + names.doomed.length);
      // Watching from the list's resourceVersion.
      await eventually(
        () => listWatch.watches.length === 1 && listWatch.watches[0]!.endedAt === undefined,
        10_000,
        'the first watch to be open',
      );
      const rvBefore = informer.lastSyncResourceVersion;
      const rvsBefore = new Map(names.changed.map((n) => [n, cachedRV(n)!]));
      expect(metrics.count('lists')).toBe(1);
      expect(metrics.count('relists')).toBe(0);

      // Cut the informer off: its watch breaks and its re-watch (from rvBefore) hangs in the proxy.
      proxy.blackhole(true);
      proxy.cut();
      await eventually(() => listWatch.watches.length >= 2, 15_000, 'the informer to try to watch again');
      expect(listWatch.watches[0]!.error).toBeDefined();
      expect(listWatch.watches[1]!.resourceVersion).toBe(rvBefore);

      // Meanwhile: creations, updates and deletions it cannot see, then etcd forgets their history.
      for (const name of names.born) await cms.create({ metadata: { name }, data: { v: '1' } });
      for (const name of names.changed) await cms.patch(name, { data: { v: '2' } });
      for (const name of names.doomed) await cms.delete(name);
      await plane.compact();
      // What the server itself answers to that re-watch now: HTTP 200, then an ERROR event with
      // a Status of code 410 (not an HTTP 410).
      const raw = await rawWatch(rvBefore);
      expect(raw.status).toBe(200);
      expect(raw.first).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410 } });
      // The cut-off is real: nothing reached the informer.
      for (const name of names.doomed) expect(cachedRV(name)).toBeDefined();
      for (const name of names.born) expect(cachedRV(name)).toBeUndefined();
      expect(metrics.count('events')).toBe(0);

      proxy.blackhole(false);
      const server = await converge('after the connection came back');

      // The re-watch from the old resourceVersion ended with the server's in-stream 410 (the
      // watch decoder's ApiError for an ERROR event; nothing was injected by the proxy)…
      const expired = listWatch.watches.filter((w) => w.resourceVersion === rvBefore && isGone(w.error));
      expect(expired.length).toBeGreaterThanOrEqual(1);
      const gone = expired[0]!.error as ApiError;
      expect(gone).toBeInstanceOf(ApiError);
      expect(gone.code).toBe(410);
      expect(gone.request?.method).toBe('WATCH');
      expect(gone.message).not.toMatch(/chaos proxy/);
      expect(proxy.stats.injectedErrors).toBe(0);
      // …after which it relisted once, from the last resourceVersion it had seen…
      expect(metrics.count('relists')).toBe(1);
      expect(metrics.count('lists')).toBe(2);
      expect(informer.stats.relists).toBe(1);
      const relist = listWatch.lists.filter((l) => !l.continued)[1]!;
      expect(relist.at).toBeGreaterThan(expired[0]!.endedAt!);
      expect(relist.resourceVersion).toBe(rvBefore);
      // …and watches again from the relist's resourceVersion, not the expired one.
      const last = listWatch.watches.at(-1)!;
      expect(last.resourceVersion).not.toBe(rvBefore);
      expect(last.startedAt).toBeGreaterThan(relist.at);

      for (const handler of handlers) {
        // Deleted meanwhile: one tombstone each, and no delete event (those were never seen).
        for (const name of names.doomed) expect(handler.tombstones.get(key(name)), name).toBe(1);
        expect(handler.counts.tombstone).toBe(names.doomed.length);
        expect(handler.counts.delete).toBe(0);
        // Created meanwhile: added; changed meanwhile: one update from the state before the cut.
        expect(handler.counts.add).toBe(initial.length + names.born.length);
        expect(handler.counts.update).toBe(names.changed.length);
        for (const name of names.changed) {
          expect(handler.view.get(key(name))?.metadata?.resourceVersion).not.toBe(rvsBefore.get(name));
        }
      }
      expect(server.map((c) => c.metadata!.name).sort()).toEqual(
        [...names.keep, ...names.changed, ...names.born].sort(),
      );
      expect(errors.filter((e) => e.source !== 'watch')).toEqual([]);

      // The informer is live again: a later change arrives through the new watch.
      const later = await cms.create({ metadata: { name: 'after-recovery' } });
      await eventually(
        () => cachedRV('after-recovery') === later.metadata!.resourceVersion,
        15_000,
        'a change after recovery to be cached',
      );
      await converge('after a change made once recovered');
      expect(metrics.count('relists')).toBe(1);
    } finally {
      stop.abort();
      await running;
      process.off('unhandledRejection', onUnhandled);
    }
    await viaProxy.close();
    await eventually(() => proxy.openConnections === 0, 10_000, 'the informer’s connections to close');
    expect(unhandled).toEqual([]);
  }, 180_000);
});
