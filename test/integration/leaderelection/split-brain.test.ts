import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { KubeClient, Leases, Namespaces } from '../../../src/client/index.js';
import { ChaosProxy, LocalControlPlane } from '../../../src/testing/index.js';
import { type LocalOnlyNeed, missingForTest, skipUnlessAvailable } from '../support/kube.js';
import { bundleCandidate } from './support/bundle.js';
import { assertNoOverlap, type CandidateProcess, Election, monotonicMs } from './support/candidates.js';

const TIMINGS = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 };
const KILL_BOUND_MS = TIMINGS.leaseDurationMs + 1.2 * TIMINGS.retryPeriodMs + 1000;
// Event-loop and scheduling slack on a loaded two-core machine, on top of the renew deadline.
const STOP_SLACK_MS = 500;
const TEN_MINUTES = 10 * 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Its plane comes from the tools/kube-local binaries: against an existing cluster
// (KUBEKIT_TEST_KUBECONFIG) there are none, so nothing is started or bundled and every test skips,
// saying why. (The proxies present this plane's own admin certificate.)
const NEEDS: LocalOnlyNeed[] = ['binaries'];

// Its own control plane: the apiserver is restarted here. Every candidate reaches it through a
// ChaosProxy of its own, so one candidate's connection can be broken while the others' work.
describe('leader election: no split brain under chaos', () => {
  const namespace = 'le-chaos';
  let plane: LocalControlPlane;
  let admin: KubeClient;
  let bundle: Awaited<ReturnType<typeof bundleCandidate>>;
  const proxies: ChaosProxy[] = [];
  const available = missingForTest(NEEDS) === undefined;
  beforeEach((ctx) => skipUnlessAvailable(ctx, NEEDS));

  beforeAll(async () => {
    if (!available) return;
    [plane, bundle] = await Promise.all([
      LocalControlPlane.start({ binDir: inject('kubeLocal').binDir }),
      bundleCandidate(),
    ]);
    admin = await KubeClient.load({ qps: -1, connection: { kubeconfig: plane.kubeconfigPath } });
    await admin.resource(Namespaces).create({ metadata: { name: namespace } });
  });
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await admin?.close();
    await plane?.stop();
    bundle?.remove();
  });

  it('never has two leaders through a killed clock-skewed leader, cut and half-open connections, 500s and 429s, and an apiserver restart', async () => {
    const election = new Election(bundle.file, {
      lockType: 'leases',
      namespace,
      name: 'chaos',
      ...TIMINGS,
    });
    const proxyOf = new Map<CandidateProcess, ChaosProxy>();
    const add = async (identity: string, wallOffsetMs = 0) => {
      const proxy = await ChaosProxy.start({
        server: plane.server,
        caFile: plane.caFile,
        certFile: plane.users.admin.certFile!,
        keyFile: plane.users.admin.keyFile!,
      });
      proxies.push(proxy);
      const c = election.add(identity, { server: proxy.url, wallOffsetMs });
      proxyOf.set(c, proxy);
      return c;
    };
    const timings: Record<string, number> = {};

    try {
      await election.explain(async () => {
        // A candidate whose wall clock runs 10 minutes ahead leads first; one 10 minutes behind
        // follows. Their timestamps in the Lease are wrong by minutes; nobody may care.
        const fast = await add('skew-ahead', TEN_MINUTES);
        await fast.ready();
        await election.waitForLeader(15_000);
        const others = await Promise.all([
          add('skew-behind', -TEN_MINUTES),
          add('plain-2'),
          add('plain-3'),
          add('plain-4'),
        ]);
        await Promise.all(others.map((c) => c.ready()));
        await sleep(3 * TIMINGS.retryPeriodMs);
        expect(election.leaders().map((c) => c.id)).toEqual(['skew-ahead']);
        const record = await leaseSpec();
        expect(Date.parse(record.renewTime!) - Date.now()).toBeGreaterThan(TEN_MINUTES - 60_000);

        // 1. SIGKILL the clock-skewed leader: the usual failover time, not 10 minutes more or less.
        const killedAt = await fast.kill9();
        const afterKill = await election.waitForLeader(KILL_BOUND_MS + 5000, fast);
        timings.killSkewedLeader = afterKill.startedAt - killedAt;
        expect(timings.killSkewedLeader).toBeLessThan(KILL_BOUND_MS);
        await (await add('skew-ahead-2', TEN_MINUTES)).ready();

        // 2. A single cut of the leader's connections: it reconnects and keeps the lock.
        let leader = await election.waitForOneLeader(10_000);
        const before = leader.intervals.length;
        proxyOf.get(leader)!.cut();
        await sleep(3 * TIMINGS.retryPeriodMs);
        expect(leader.leading).toBe(true);
        expect(leader.intervals).toHaveLength(before);

        // 3. The leader's connections are reset and new ones are accepted but never answered
        //    (half-open): it must stop leading within the renew deadline, before anyone else
        //    starts, although its requests hang rather than fail.
        leader = await election.waitForOneLeader(10_000);
        const holed = proxyOf.get(leader)!;
        const holedAt = monotonicMs();
        holed.blackhole(true);
        holed.cut();
        const successor = await election.waitForLeader(KILL_BOUND_MS + 5000, leader);
        const stoppedAt = leader.intervals.at(-1)!.end!;
        timings.halfOpenStop = stoppedAt - holedAt;
        timings.halfOpenTakeover = successor.startedAt - holedAt;
        expect(timings.halfOpenStop).toBeLessThan(TIMINGS.renewDeadlineMs + STOP_SLACK_MS);
        expect(successor.startedAt).toBeGreaterThan(stoppedAt);
        holed.blackhole(false);

        // 4. The apiserver answers 500 to the leader and 429 (Retry-After 1) to everyone else
        //    for their next requests: the leader loses the lock, someone takes over afterwards.
        //    (The old leader may win it back: its own record names it.)
        leader = await election.waitForOneLeader(10_000);
        const injectedAt = monotonicMs();
        for (const [c, proxy] of proxyOf) proxy.injectErrors(8, c === leader ? 500 : 429);
        await leader.waitUntil('the leader to stop', () => !leader.leading, 10_000);
        timings.errorsStop = leader.intervals.at(-1)!.end! - injectedAt;
        expect(timings.errorsStop).toBeLessThan(TIMINGS.renewDeadlineMs + STOP_SLACK_MS);
        await election.waitForLeader(30_000, undefined, injectedAt);

        // 5. The apiserver restarts: the leader cannot renew while it is down and stops; a
        //    leader is elected again once it is back (all candidates race for the lapsed lock).
        leader = await election.waitForOneLeader(15_000);
        const downAt = monotonicMs();
        await plane.restartApiServer();
        timings.apiserverDown = monotonicMs() - downAt;
        const after = await election.waitForLeader(30_000, undefined, downAt);
        timings.leaderAfterRestart = after.startedAt - downAt;
        const lapsed = leader.intervals.find((i) => i.end !== undefined && i.end > downAt);
        if (lapsed) timings.restartStop = lapsed.end! - downAt;
      });
    } finally {
      await election.stopAll();
    }
    const intervals = election.intervals();
    console.log(
      `leader election chaos: ${intervals.length} leading intervals; ` +
        Object.entries(timings)
          .map(([k, v]) => `${k} ${Math.round(v)} ms`)
          .join(', '),
    );
    await election.explain(async () => assertNoOverlap(intervals));
    expect(intervals.length).toBeGreaterThanOrEqual(5);
  });

  async function leaseSpec() {
    const lease = await admin.resource(Leases).namespace(namespace).get('chaos');
    return lease.spec!;
  }
});
