import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigMaps, KubeClient, type ResourceClient } from '../../../src/client/index.js';
import { SharedInformerFactory } from '../../../src/informers/index.js';
import { ChaosProxy } from '../../../src/testing/index.js';
import { chaosProxyUpstream, clientAs, skipUnlessAvailable } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';

async function eventually(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Each test creates the ConfigMaps it counts, labelled `fixture=<its own name>`, and syncs only
// those: it passes when run alone, and other objects in the namespace (a real cluster's
// `kube-root-ca.crt`) never count.
const FIXTURE = 'kubekit.dev/fixture';

describe('informer sync by watch-list streaming', () => {
  const ns = useTestNamespace('wl');
  let kube: KubeClient;
  let cms: ResourceClient<ConfigMap>;
  // Through a ChaosProxy, which presents admin's client certificate upstream: absent when the
  // cluster under test (KUBEKIT_TEST_KUBECONFIG) authenticates admin otherwise.
  let proxy: ChaosProxy | undefined;
  let viaProxy: KubeClient | undefined;
  beforeAll(async () => {
    kube = await clientAs('admin');
    cms = kube.resource(ConfigMaps).namespace(ns());
    const upstream = chaosProxyUpstream();
    if (!upstream) return;
    proxy = await ChaosProxy.start(upstream);
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
    await viaProxy?.close();
    await proxy?.stop();
    await kube.close();
  });

  /** Creates `<fixture>-0 … <fixture>-<n-1>` labelled with the fixture; returns their cache keys and the selector. */
  async function seed(fixture: string, n: number): Promise<{ keys: string[]; labelSelector: string }> {
    const names = Array.from({ length: n }, (_, i) => `${fixture}-${i}`);
    await Promise.all(
      names.map((name) => cms.create({ metadata: { name, labels: { [FIXTURE]: fixture } } })),
    );
    return { keys: names.map((name) => `${ns()}/${name}`).sort(), labelSelector: `${FIXTURE}=${fixture}` };
  }

  it('syncs from the initial events and the end bookmark, without a LIST', async (ctx) => {
    skipUnlessAvailable(ctx, ['chaos-proxy']);
    const { keys, labelSelector } = await seed('stream', 20);
    const factory = new SharedInformerFactory(viaProxy!, {
      namespace: ns(),
      labelSelector,
      reflector: { useWatchList: true },
    });
    const informer = factory.informerFor(ConfigMaps);
    const requestsBefore = proxy!.stats.requests;
    factory.start();
    expect(await factory.waitForCacheSync(AbortSignal.timeout(15_000))).toBe(true);
    expect(informer.indexer.listKeys().sort()).toEqual(keys);
    expect(informer.stats.lists).toBe(1);
    expect(informer.stats.watches).toBe(1);
    // One request did it all: the watch that streamed the state and carries on watching.
    expect(proxy!.stats.requests - requestsBefore).toBe(1);
    await cms.create({ metadata: { name: 'stream-later', labels: { [FIXTURE]: 'stream' } } });
    await eventually(
      () => informer.indexer.getByKey(`${ns()}/stream-later`) !== undefined,
      'the later object',
    );
    expect(informer.indexer.size).toBe(21);
    expect(informer.stats.watches).toBe(1);
    await factory.shutdown();
  });

  it('falls back to LIST when the watch-list request fails', async (ctx) => {
    skipUnlessAvailable(ctx, ['chaos-proxy']);
    const { keys, labelSelector } = await seed('fallback', 5);
    const errors: [string, unknown][] = [];
    const factory = new SharedInformerFactory(viaProxy!, {
      namespace: ns(),
      labelSelector,
      reflector: { useWatchList: true },
      onError: (err, source) => errors.push([source, err]),
    });
    const informer = factory.informerFor(ConfigMaps);
    const injectedBefore = proxy!.stats.injectedErrors;
    proxy!.injectErrors(1, 500);
    factory.start();
    expect(await factory.waitForCacheSync(AbortSignal.timeout(15_000))).toBe(true);
    expect(proxy!.stats.injectedErrors - injectedBefore).toBe(1);
    expect(informer.indexer.listKeys().sort()).toEqual(keys);
    expect(errors.filter(([source]) => source === 'watch-list')).toHaveLength(1);
    await factory.shutdown();
  });

  it('finds an informer by kind through discovery', async () => {
    const { keys, labelSelector } = await seed('discovery', 3);
    const factory = new SharedInformerFactory(kube, { namespace: ns(), labelSelector });
    const informer = await factory.informerForKind<ConfigMap>('v1', 'ConfigMap');
    expect(factory.informerFor(ConfigMaps)).toBe(informer);
    factory.start();
    expect(await factory.waitForCacheSync(AbortSignal.timeout(15_000))).toBe(true);
    expect(informer.indexer.listKeys().sort()).toEqual(keys);
    await factory.shutdown();
  });
});
