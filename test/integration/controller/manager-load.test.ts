import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigMaps, KubeClient, Leases } from '../../../src/client/index.js';
import { Manager } from '../../../src/controller/index.js';
import { clientAs } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const runMs = 120_000;
const workers = 60;
const qps = 5;

// A controller that keeps its client's token bucket saturated must not starve its own leader
// election: with a shared bucket, a renewal waits behind ~60 queued writes at 5 QPS (12 s) and
// misses the 10 s renew deadline within seconds. The Manager gives the lock a bucket of its own.
describe('Manager under load', () => {
  const ns = useTestNamespace('mgr-load');
  let admin: KubeClient;
  beforeAll(async () => {
    admin = await clientAs('admin');
  });
  afterAll(() => admin.close());

  it(
    "keeps leadership at Kubernetes' default timings while its controllers saturate the client for two minutes",
    async () => {
      const info = inject('kubeLocal');
      // client-go's default limit, as a user would get it: the bucket is the bottleneck.
      const kube = await KubeClient.load({
        qps,
        burst: 10,
        connection: { kubeconfig: info.kubeconfigPath, context: info.users.admin.context },
      });
      const configMaps = admin.resource(ConfigMaps).namespace(ns());
      await Promise.all(
        Array.from({ length: workers }, (_, i) => configMaps.create({ metadata: { name: `load-${i}` } })),
      );
      let lost = false;
      const manager = new Manager({
        kube,
        name: 'load',
        informers: { namespace: ns() },
        // Default lease duration, renew deadline and retry period (15 s / 10 s / 2 s).
        leaderElection: { lock: { namespace: ns(), name: 'load' }, identity: 'busy' },
        onLeadershipLost: () => {
          lost = true;
        },
      });
      let writes = 0;
      manager
        .newController({
          name: 'writer',
          workers,
          reconcile: async ({ namespace, name }, { signal }) => {
            await kube
              .resource(ConfigMaps)
              .namespace(namespace)
              .patch(name, { data: { n: String(writes) } }, { signal });
            writes++;
            return { requeueAfterMs: 1 };
          },
        })
        .for(manager.factory.informerFor(ConfigMaps));
      const stop = new AbortController();
      const running = manager.start(stop.signal);
      const leases = admin.resource(Leases).namespace(ns());
      const deadline = performance.now() + 30_000;
      while (!manager.isLeader() && performance.now() < deadline) await sleep(100);
      expect(manager.isLeader()).toBe(true);
      const began = performance.now();
      const writesAtStart = writes;
      let notLeading = 0;
      while (performance.now() - began < runMs) {
        await sleep(1000);
        if (!manager.isLeader()) notLeading++;
      }
      const elapsedS = (performance.now() - began) / 1000;
      const done = writes - writesAtStart;
      const lease = await leases.get('load');
      stop.abort();
      await running;
      await kube.close();

      expect(lost).toBe(false);
      expect(notLeading).toBe(0);
      expect(lease.spec?.holderIdentity).toBe('busy');
      expect(lease.spec?.leaseTransitions ?? 0).toBe(0);
      // The renewals kept coming: the lease was renewed within the last renew period or two.
      const renewedAgoMs = Date.now() - Date.parse(lease.spec?.renewTime ?? '');
      expect(renewedAgoMs).toBeLessThan(10_000);
      // The controllers really saturated the bucket: writes ran at the bucket's rate the whole
      // time (not more: the bucket bounded them; not much less: they were always waiting).
      expect(done).toBeLessThanOrEqual(Math.ceil(elapsedS * qps) + 10 + workers);
      expect(done).toBeGreaterThan(elapsedS * qps * 0.5);
    },
    runMs + 60_000,
  );
});
