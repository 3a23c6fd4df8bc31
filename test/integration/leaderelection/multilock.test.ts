import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigMaps, type KubeClient, Leases } from '../../../src/client/index.js';
import { LEADER_ANNOTATION } from '../../../src/leaderelection/index.js';
import { clientAs } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';
import { bundleCandidate } from './support/bundle.js';
import { assertNoOverlap, type CandidateProcess, Election } from './support/candidates.js';

const TIMINGS = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 };

describe('leader election: migrating ConfigMap → Lease with MultiLock', () => {
  const namespace = useTestNamespace('le-multi');
  const info = inject('kubeLocal');
  let bundle: Awaited<ReturnType<typeof bundleCandidate>>;
  let admin: KubeClient;
  beforeAll(async () => {
    [bundle, admin] = await Promise.all([bundleCandidate(), clientAs('admin')]);
  });
  afterAll(async () => {
    bundle?.remove();
    await admin?.close();
  });

  it('a ConfigMap candidate and a MultiLock(ConfigMap, Lease) candidate never co-lead while leaders are killed in turn', async () => {
    const election = new Election(bundle.file, {
      lockType: 'configmaps',
      namespace: namespace(),
      name: 'migrating',
      kubeconfig: info.kubeconfigPath,
      context: info.users.admin.context,
      ...TIMINGS,
    });
    let generation = 0;
    const spawnOld = () => election.add(`old-${generation++}`);
    const spawnNew = () => election.add(`new-${generation++}`, { lockType: 'configmapsleases' });
    const isNew = (c: CandidateProcess) => c.spec.lockType === 'configmapsleases';
    const led = { old: 0, new: 0 };
    try {
      await election.explain(async () => {
        // One of each kind, started together (their first writes race). Whoever leads is killed;
        // the other kind, the only candidate left, must take over; only then is the killed one
        // replaced by a fresh candidate of its kind. So the lock passes ConfigMap-only → MultiLock
        // → ConfigMap-only … (or the reverse) and the two kinds must never overlap.
        const first = [spawnOld(), spawnNew()];
        await Promise.all(first.map((c) => c.ready()));
        let leader = await election.waitForOneLeader(15_000);
        for (let round = 0; round < 2; round++) {
          led[isNew(leader) ? 'new' : 'old']++;
          if (isNew(leader)) {
            // A MultiLock leader keeps the Lease naming it, as the ConfigMap does.
            const lease = await admin.resource(Leases).namespace(namespace()).get('migrating');
            expect((lease as Lease).spec!.holderIdentity).toBe(leader.id);
          }
          const cm = (await admin.resource(ConfigMaps).namespace(namespace()).get('migrating')) as ConfigMap;
          expect(JSON.parse(cm.metadata!.annotations![LEADER_ANNOTATION]!).holderIdentity).toBe(leader.id);
          await leader.kill9();
          const next = await election.waitForOneLeader(15_000);
          expect(isNew(next)).toBe(!isNew(leader));
          const replacement = isNew(leader) ? spawnNew() : spawnOld();
          await replacement.ready();
          leader = next;
        }
        led[isNew(leader) ? 'new' : 'old']++;
      });
    } finally {
      await election.stopAll();
    }
    console.log(`leader election multilock: leaders per kind ${JSON.stringify(led)}`);
    await election.explain(async () => assertNoOverlap(election.intervals()));
    expect(election.intervals().length).toBeGreaterThanOrEqual(3);
    expect(led.old).toBeGreaterThanOrEqual(1);
    expect(led.new).toBeGreaterThanOrEqual(1);
  });
});
