// Interop (issue 6): kubekit candidates and client-go candidates (k8s.io/client-go v0.37.1,
// tools/leaderelection with resourcelock.LeaseLock, the release tools/kube-local pins) compete for
// one Lease on a real kube-apiserver, each as its own process. Checked: never two leaders at once
// (every process reports its leading intervals on this machine's monotonic clock), SIGKILL and
// graceful stop hand over to the other implementation within the bounds, and each side
// reports the other's identity through onNewLeader / OnNewLeader.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rawClient } from '../support/raw-http.js';
import { useTestNamespace } from '../support/test-namespace.js';
import {
  assertNoOverlap,
  buildGoCandidate,
  type CandidateKind,
  CandidatePool,
  type CandidateProcess,
} from './interop/candidates.js';

// Short durations keep the file fast: lease 3 s, renew deadline 2 s, retry 0.5 s.
const LEASE_MS = 3000;
const RETRY_MS = 500;
const DURATIONS = { leaseDuration: '3s', renewDeadline: '2s', retryPeriod: '500ms' };
// The bounds: after SIGKILL, leaseDuration + 1.2 × retryPeriod + 1 s; after a graceful
// stop with releaseOnCancel, 1.2 × retryPeriod + 1 s.
const KILL_BOUND_MS = LEASE_MS + 1.2 * RETRY_MS + 1000;
const RELEASE_BOUND_MS = 1.2 * RETRY_MS + 1000;
// client-go's own worst case after SIGKILL is longer than the bound, which kubekit is
// held to: a client-go follower may see the last renewal up to one jittered retry (2.2 ×
// retryPeriod) late, and polls up to another one after the lease has run out (kubekit wakes at
// the expiry it computed instead). So a client-go successor gets leaseDuration + 2 × 2.2 ×
// retryPeriod + 1 s.
const CLIENT_GO_KILL_BOUND_MS = LEASE_MS + 2 * 2.2 * RETRY_MS + 1000;
const killBound = (successor: CandidateKind) =>
  successor === 'kubekit' ? KILL_BOUND_MS : CLIENT_GO_KILL_BOUND_MS;
// Never faster than the lease allows: the killed leader renewed at most one retry period (plus a
// request) before it died, and a successor waits a full lease from seeing that renewal.
const KILL_FLOOR_MS = LEASE_MS - RETRY_MS - 250;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Every test stands up its own candidates on a Lease of its own (its leader, then a follower of
// the other kind), so any one of them runs alone, and checks its own record of who led when.
describe('leader election interop: kubekit and client-go candidates share one Lease', () => {
  const namespace = useTestNamespace('le-interop');
  const info = inject('kubeLocal');
  const pools: CandidatePool[] = [];
  let goBinary = '';

  const newPool = (name: string) => {
    const p = new CandidatePool({
      kubeconfig: info.kubeconfigPath,
      context: info.users.admin.context,
      namespace: namespace(),
      name,
      goBinary,
      releaseOnCancel: true,
      ...DURATIONS,
    });
    pools.push(p);
    return p;
  };

  // Starts a candidate and waits until it leads.
  const leader = async (p: CandidatePool, kind: CandidateKind, id: string) => {
    const c = p.add(kind, id);
    await c.ready();
    await p.waitUntil(`${id} to lead`, () => (c.leading ? true : undefined), 10_000);
    return c;
  };

  // Starts a candidate and waits until it reports `leader` through its onNewLeader callback.
  const follower = async (p: CandidatePool, kind: CandidateKind, id: string, leader: CandidateProcess) => {
    const c = p.add(kind, id);
    await c.ready();
    await c.waitUntil(
      `${id} to report ${leader.id} as leader`,
      () => c.newLeaders().includes(leader.id),
      10_000,
    );
    expect(c.leading).toBe(false);
    return c;
  };

  // Exactly one live candidate leads, and it is `who`.
  const expectSoleLeader = (p: CandidatePool, who: CandidateProcess) =>
    expect(p.leaders().map((c) => c.id)).toEqual([who.id]);

  // Kills (SIGKILL) or stops (SIGTERM) the leader; returns the successor and the failover time.
  const handOver = async (p: CandidatePool, leader: CandidateProcess, how: 'kill' | 'stop') => {
    expectSoleLeader(p, leader);
    const at = how === 'kill' ? await leader.kill9() : await leader.terminate();
    if (how === 'stop') expect(leader.exitCode, leader.stderr.slice(-2000)).toBe(0);
    const { leader: next, startedAt } = await p.waitForLeaderSince(
      at,
      CLIENT_GO_KILL_BOUND_MS + 5000,
      leader,
    );
    const ms = startedAt - at;
    const bound = how === 'kill' ? killBound(next.kind) : RELEASE_BOUND_MS;
    console.log(
      `interop: ${how === 'kill' ? 'SIGKILL' : 'graceful stop'} of ${leader.id} (${leader.kind}) → ` +
        `${next.id} (${next.kind}) leads after ${Math.round(ms)} ms (bound ${bound} ms)`,
    );
    expect(ms, p.describe()).toBeLessThan(bound);
    if (how === 'kill') expect(ms, p.describe()).toBeGreaterThan(KILL_FLOOR_MS);
    return { next, ms };
  };

  // Stops every candidate still running (gracefully: the leader releases), then checks the
  // pool's whole history: no two candidates ever led at once, every interval ended, and who led,
  // in order, was `expected`.
  const finish = async (p: CandidatePool, expected: string[]) => {
    // Followers first, so none can take over from the leader's release on the way out.
    await Promise.all(
      p
        .live()
        .filter((c) => !c.leading)
        .map((c) => c.terminate()),
    );
    await p.stopAll();
    for (const c of p.all) expect(c.alive, `${c.id} still running`).toBe(false);
    for (const c of p.all) {
      if (c.exitSignal !== 'SIGKILL') expect(c.exitCode, c.stderr.slice(-2000)).toBe(0);
    }
    const intervals = p.intervals();
    assertNoOverlap(intervals);
    expect(intervals.filter((i) => i.end === undefined)).toEqual([]);
    expect([...intervals].sort((a, b) => a.start - b.start).map((i) => i.who)).toEqual(expected);
  };

  // The Lease as the last candidate left it: after a graceful stop with releaseOnCancel, an
  // empty holder with 1 s, and the transition counter both kinds kept.
  const expectReleasedLease = async (name: string, leaseTransitions: number) => {
    const admin = rawClient('admin');
    try {
      const res = await admin.request(
        'GET',
        `/apis/coordination.k8s.io/v1/namespaces/${namespace()}/leases/${name}`,
      );
      expect(res.status).toBe(200);
      const spec = (res.body as { spec: Record<string, unknown> }).spec;
      expect(spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions });
    } finally {
      await admin.close();
    }
  };

  beforeAll(async () => {
    const build = await buildGoCandidate();
    goBinary = build.path;
    console.log(
      build.built
        ? `interop: built the client-go candidate in ${Math.round(build.ms)} ms (cold; cached at ${build.path})`
        : `interop: reused the cached client-go candidate ${build.path}`,
    );
  }, 600_000);

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.destroyAll()));
  });

  it('a kubekit candidate reports the client-go leader through onNewLeader, and never leads beside it', async () => {
    const pool = newPool('interop-report-go');
    const g1 = await leader(pool, 'client-go', 'go-1');
    const k1 = await follower(pool, 'kubekit', 'kk-1', g1);
    // Both poll several times: still only the client-go candidate leads.
    await sleep(4 * 2.2 * RETRY_MS);
    expectSoleLeader(pool, g1);
    expect(k1.newLeaders()).toEqual(['go-1']);
    await finish(pool, ['go-1']);
  });

  it('SIGKILL of the client-go leader: the kubekit candidate takes over within the bound', async () => {
    const pool = newPool('interop-kill-go');
    const g1 = await leader(pool, 'client-go', 'go-1');
    const k1 = await follower(pool, 'kubekit', 'kk-1', g1);
    const { next } = await handOver(pool, g1, 'kill');
    expect(next).toBe(k1);
    expectSoleLeader(pool, k1);
    await finish(pool, ['go-1', 'kk-1']);
    // client-go created the Lease, kubekit took it over (one transition) and released it.
    await expectReleasedLease('interop-kill-go', 1);
  });

  it('a client-go candidate reports the kubekit leader through OnNewLeader; graceful stop of kubekit hands over to it', async () => {
    const pool = newPool('interop-stop-kk');
    const k1 = await leader(pool, 'kubekit', 'kk-1');
    const g1 = await follower(pool, 'client-go', 'go-1', k1);
    expect(g1.newLeaders()[0]).toBe('kk-1');
    const { next } = await handOver(pool, k1, 'stop');
    expect(next).toBe(g1);
    // kubekit released the Lease (holder ''), which client-go reports as a leader change too.
    expectSoleLeader(pool, g1);
    await finish(pool, ['kk-1', 'go-1']);
    // kubekit's release kept the counter; client-go took over from it (one transition) and
    // released in the same format.
    await expectReleasedLease('interop-stop-kk', 1);
  });

  it('graceful stop of the client-go leader (ReleaseOnCancel) hands over to kubekit', async () => {
    const pool = newPool('interop-stop-go');
    const g1 = await leader(pool, 'client-go', 'go-1');
    const k1 = await follower(pool, 'kubekit', 'kk-1', g1);
    const { next } = await handOver(pool, g1, 'stop');
    expect(next).toBe(k1);
    expectSoleLeader(pool, k1);
    await finish(pool, ['go-1', 'kk-1']);
    await expectReleasedLease('interop-stop-go', 1);
  });

  it('SIGKILL of the kubekit leader: the client-go candidate takes over within the bound', async () => {
    const pool = newPool('interop-kill-kk');
    const k1 = await leader(pool, 'kubekit', 'kk-1');
    const g1 = await follower(pool, 'client-go', 'go-1', k1);
    const { next } = await handOver(pool, k1, 'kill');
    expect(next).toBe(g1);
    expectSoleLeader(pool, g1);
    await finish(pool, ['kk-1', 'go-1']);
    await expectReleasedLease('interop-kill-kk', 1);
  });

  it('three of each start at once on a fresh Lease (racing creates and updates): one leader, ' +
    'known to all; leaders killed and stopped in turn hand over with no overlap', async () => {
    const crowd = newPool('interop-crowd');
    const all = ['kk-a', 'go-a', 'kk-b', 'go-b', 'kk-c', 'go-c'].map((id) =>
      crowd.add(id.startsWith('kk') ? 'kubekit' : 'client-go', id),
    );
    await Promise.all(all.map((c) => c.ready()));
    let leader = await crowd.waitUntil(
      'a leader',
      () => (crowd.leaders().length > 0 ? crowd.leaders()[0] : undefined),
      15_000,
    );
    for (const c of all) {
      await c.waitUntil(`${c.id} to report ${leader.id}`, () => c.lastReportedLeader() === leader.id, 10_000);
    }
    await sleep(2 * 2.2 * RETRY_MS);
    expectSoleLeader(crowd, leader);
    const order = [leader.id];
    for (const how of ['kill', 'stop', 'kill', 'stop'] as const) {
      const { next } = await handOver(crowd, leader, how);
      leader = next;
      order.push(leader.id);
      // Every survivor, of either kind, learns who leads now.
      for (const c of crowd.live()) {
        await c.waitUntil(
          `${c.id} to report ${leader.id}`,
          () => c.lastReportedLeader() === leader.id,
          10_000,
        );
      }
      expectSoleLeader(crowd, leader);
    }
    await finish(crowd, order);
  }, 120_000);
});
