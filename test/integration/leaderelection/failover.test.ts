import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ResourceLockType } from '../../../src/leaderelection/index.js';
import { useTestNamespace } from '../support/test-namespace.js';
import { bundleCandidate } from './support/bundle.js';
import { assertNoOverlap, Election } from './support/candidates.js';

// Short durations keep the suite fast: lease 3 s, renew deadline 2 s, retry 0.5 s.
const TIMINGS = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 };
// The bounds: after SIGKILL, leaseDuration + 1.2 × retryPeriod + 1 s; after a graceful
// stop with releaseOnCancel, 1.2 × retryPeriod + 1 s.
const KILL_BOUND_MS = TIMINGS.leaseDurationMs + 1.2 * TIMINGS.retryPeriodMs + 1000;
const RELEASE_BOUND_MS = 1.2 * TIMINGS.retryPeriodMs + 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The lock types run concurrently (15 processes): each is mostly idle between requests.
describe.concurrent('leader election: five candidate processes per lock type', () => {
  const namespace = useTestNamespace('le-failover');
  const info = inject('kubeLocal');
  let bundle: Awaited<ReturnType<typeof bundleCandidate>>;
  beforeAll(async () => {
    bundle = await bundleCandidate();
  });
  afterAll(() => bundle?.remove());

  it.each<ResourceLockType>(['leases', 'configmaps', 'endpoints'])(
    '%s: exactly one leads; SIGKILL and graceful release fail over within bounds; no two ever lead at once',
    async (lockType) => {
      const election = new Election(bundle.file, {
        lockType,
        namespace: namespace(),
        name: `le-${lockType}`,
        kubeconfig: info.kubeconfigPath,
        context: info.users.admin.context,
        releaseOnCancel: true,
        ...TIMINGS,
      });
      try {
        await election.explain(async () => {
          // Started together, so their first acquisitions race (conflicting creates/updates).
          const all = [0, 1, 2, 3, 4].map((i) => election.add(`${lockType}-${i}`));
          await Promise.all(all.map((c) => c.ready()));
          const first = await election.waitForLeader(15_000);
          // Every candidate has polled a few times by now: still exactly one leader, known to all.
          await sleep(3 * TIMINGS.retryPeriodMs);
          expect(election.leaders().length).toBeLessThanOrEqual(1);
          const leader = await election.waitForOneLeader(10_000);
          for (const c of all) {
            await c.waitUntil(
              `${c.id} to see ${first.leader.id} via onNewLeader`,
              () => c.events.some((e) => e.ev === 'leader' && e.id === first.leader.id),
              5000,
            );
          }

          const killedAt = await leader.kill9();
          const second = await election.waitForLeader(KILL_BOUND_MS + 5000, leader);
          const afterKill = second.startedAt - killedAt;

          const stoppedAt = await second.leader.terminate();
          expect(second.leader.exitCode).toBe(0);
          const third = await election.waitForLeader(RELEASE_BOUND_MS + 5000, second.leader);
          const afterRelease = third.startedAt - stoppedAt;

          console.log(
            `leader election ${lockType}: failover after SIGKILL ${Math.round(afterKill)} ms ` +
              `(bound ${KILL_BOUND_MS}), after graceful release ${Math.round(afterRelease)} ms (bound ${RELEASE_BOUND_MS})`,
          );
          expect(afterKill).toBeLessThan(KILL_BOUND_MS);
          expect(afterRelease).toBeLessThan(RELEASE_BOUND_MS);
          expect(election.leaders().length).toBeLessThanOrEqual(1);
        });
      } finally {
        await election.stopAll();
      }
      await election.explain(async () => assertNoOverlap(election.intervals()));
      expect(election.intervals().length).toBeGreaterThanOrEqual(3);
    },
  );
});
