import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigMaps, KubeClient, type ResourceClient } from '../../../src/client/index.js';
import { SharedInformerFactory } from '../../../src/informers/index.js';
import { ChaosProxy } from '../../../src/testing/index.js';
import { clientAs } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';

async function eventually(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('informer sync by watch-list streaming', () => {
  const ns = useTestNamespace('wl');
  let kube: KubeClient;
  let cms: ResourceClient<ConfigMap>;
  let proxy: ChaosProxy;
  let viaProxy: KubeClient;
  beforeAll(async () => {
    kube = await clientAs('admin');
    cms = kube.resource(ConfigMaps).namespace(ns());
    await Promise.all(Array.from({ length: 20 }, (_, i) => cms.create({ metadata: { name: `cm-${i}` } })));
    const info = inject('kubeLocal');
    proxy = await ChaosProxy.start({
      server: info.server,
      caFile: info.caFile,
      certFile: info.users.admin.certFile!,
      keyFile: info.users.admin.keyFile!,
    });
    viaProxy = new KubeClient(
      {
        server: proxy.url,
        namespace: ns(),
        tls: { insecureSkipVerify: false },
        auth: { authorization: async () => undefined, invalidate: async () => false },
        identity: `watch-list-proxy-${ns()}`,
      },
      { qps: -1, maxRetries: 0 },
    );
  });
  afterAll(async () => {
    await viaProxy.close();
    await proxy.stop();
    await kube.close();
  });

  it('syncs from the initial events and the end bookmark, without a LIST', async () => {
    const factory = new SharedInformerFactory(viaProxy, {
      namespace: ns(),
      reflector: { useWatchList: true },
    });
    const informer = factory.informerFor(ConfigMaps);
    const requestsBefore = proxy.stats.requests;
    factory.start();
    expect(await factory.waitForCacheSync(AbortSignal.timeout(15_000))).toBe(true);
    expect(informer.indexer.size).toBe(20);
    expect(informer.stats.lists).toBe(1);
    expect(informer.stats.watches).toBe(1);
    // One request did it all: the watch that streamed the state and carries on watching.
    expect(proxy.stats.requests - requestsBefore).toBe(1);
    await cms.create({ metadata: { name: 'later' } });
    await eventually(() => informer.indexer.getByKey(`${ns()}/later`) !== undefined, 'the later object');
    expect(informer.stats.watches).toBe(1);
    await factory.shutdown();
  });

  it('falls back to LIST when the watch-list request fails', async () => {
    const errors: [string, unknown][] = [];
    const factory = new SharedInformerFactory(viaProxy, {
      namespace: ns(),
      reflector: { useWatchList: true },
      onError: (err, source) => errors.push([source, err]),
    });
    const informer = factory.informerFor(ConfigMaps);
    proxy.injectErrors(1, 500);
    factory.start();
    expect(await factory.waitForCacheSync(AbortSignal.timeout(15_000))).toBe(true);
    expect(informer.indexer.size).toBe(21);
    expect(errors.some(([source]) => source === 'watch-list')).toBe(true);
    await factory.shutdown();
  });

  it('finds an informer by kind through discovery', async () => {
    const factory = new SharedInformerFactory(kube, { namespace: ns() });
    const informer = await factory.informerForKind<ConfigMap>('v1', 'ConfigMap');
    expect(factory.informerFor(ConfigMaps)).toBe(informer);
    factory.start();
    expect(await factory.waitForCacheSync(AbortSignal.timeout(15_000))).toBe(true);
    expect(informer.indexer.size).toBe(21);
    await factory.shutdown();
  });
});
