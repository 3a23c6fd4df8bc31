import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ResourceLockType } from '../../../src/leaderelection/index.js';
import { useTestNamespace } from '../support/test-namespace.js';
import { bundleCandidate } from './support/bundle.js';
import { assertNoOverlap, Election } from './support/candidates.js';

// A retry period so long that a follower's poll almost never lands in the handover window
// (polls come every 20–44 s; the window is 1.5 s): a takeover that fast comes from its watch on
// the lock seeing the release, not from polling.
const TIMINGS = { leaseDurationMs: 60_000, renewDeadlineMs: 40_000, retryPeriodMs: 20_000 };
const HANDOVER_BOUND_MS = 1500;

describe.concurrent('leader election: followers watch the lock', () => {
  const namespace = useTestNamespace('le-watch');
  const info = inject('kubeLocal');
  let bundle: Awaited<ReturnType<typeof bundleCandidate>>;
  beforeAll(async () => {
    bundle = await bundleCandidate();
  });
  afterAll(() => bundle?.remove());

  it.each<ResourceLockType>(['leases', 'configmaps', 'endpoints', 'configmapsleases'])(
    `%s: a graceful release is taken over within ${HANDOVER_BOUND_MS} ms, long before the next poll`,
    async (lockType) => {
      const election = new Election(bundle.file, {
        lockType,
        namespace: namespace(),
        name: `watch-${lockType}`,
        kubeconfig: info.kubeconfigPath,
        context: info.users.admin.context,
        releaseOnCancel: true,
        ...TIMINGS,
      });
      try {
        await election.explain(async () => {
          const all = [0, 1, 2].map((i) => election.add(`${lockType}-${i}`));
          await Promise.all(all.map((c) => c.ready()));
          const first = await election.waitForLeader(15_000);
          const stoppedAt = await first.leader.terminate();
          expect(first.leader.exitCode).toBe(0);
          const second = await election.waitForLeader(HANDOVER_BOUND_MS + 5000, first.leader);
          const handover = second.startedAt - stoppedAt;
          console.log(`leader election ${lockType}: handover after release ${Math.round(handover)} ms`);
          expect(handover).toBeLessThan(HANDOVER_BOUND_MS);
        });
      } finally {
        await election.stopAll();
      }
      await election.explain(async () => assertNoOverlap(election.intervals()));
    },
  );
});
