import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { describe, expect, it } from 'vitest';
import { ConfigMapLock, LeaseLock, MultiLock } from '../../../src/leaderelection/index.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { assertNoOverlap, type Interval, startCandidate, type TestCandidate } from './support/candidate.js';
import { FakeKube } from './support/fake-kube.js';

describe('MultiLock migration (ConfigMap → Lease) with the elector', () => {
  it('a ConfigMap-only candidate and a MultiLock(ConfigMap, Lease) candidate never co-lead across failovers', async () => {
    const clock = new FakeClock();
    const kube = new FakeKube();
    const opts = (identity: string) => ({
      kube: kube.client,
      namespace: 'kube-system',
      name: 'ctrl',
      identity,
    });
    const oldLock = (id: string) => new ConfigMapLock(opts(id));
    const newLock = (id: string) => new MultiLock(new ConfigMapLock(opts(id)), new LeaseLock(opts(id)));

    const intervals: Interval[] = [];
    const running: TestCandidate[] = [];
    const start = (lock: ConfigMapLock | MultiLock) => {
      const c = startCandidate(lock, clock);
      running.push(c);
      return c;
    };
    let old = start(oldLock('old-0'));
    let neu = start(newLock('new-0'));
    for (let round = 1; round <= 6; round++) {
      await clock.advance(2000);
      const leader = [old, neu].find((c) => c.elector.isLeader());
      expect(leader).toBeDefined();
      // The leader "crashes": it stops renewing without releasing; its peer must wait it out.
      leader!.controller.abort();
      await leader!.done;
      await clock.advance(5000);
      const successor = leader === old ? neu : old;
      expect(successor.elector.isLeader()).toBe(true);
      if (successor === neu) {
        // The MultiLock leader keeps the Lease in line with the ConfigMap.
        expect((kube.objects.get('leases/kube-system/ctrl') as Lease).spec!.holderIdentity).toBe(
          successor.id,
        );
      }
      if (leader === old) old = start(oldLock(`old-${round}`));
      else neu = start(newLock(`new-${round}`));
    }
    for (const c of running) c.controller.abort();
    await Promise.all(running.map((c) => c.done));
    for (const c of running) intervals.push(...c.intervals);
    expect(intervals.length).toBeGreaterThanOrEqual(6);
    assertNoOverlap(intervals);
    expect(clock.pendingTimers()).toBe(0);
  });
});
