import { describe, expect, it } from 'vitest';
import type { LeaderElectionRecord } from '../../../src/leaderelection/index.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { assertNoOverlap, startCandidate } from './support/candidate.js';
import { settle } from './support/clocks.js';
import { apiError, MemoryLock, type MemoryLockServer } from './support/memory-lock.js';

// Timings: lease 3 s, renew deadline 2 s, retry 0.5 s, jitter fixed at 0.5 (polls every 800 ms).

/** A MemoryLock that can watch: `releases()` yields when a write leaves the record without holder. */
class WatchingLock extends MemoryLock {
  static readonly writes = new WeakMap<MemoryLockServer, Set<() => void>>();
  watchCalls = 0;
  failWith: unknown;

  static notify(server: MemoryLockServer): void {
    for (const wake of WatchingLock.writes.get(server) ?? []) wake();
  }

  override async create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    await super.create(record, signal);
    WatchingLock.notify(this.server);
  }

  override async update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    await super.update(record, signal);
    WatchingLock.notify(this.server);
  }

  async *releases(signal: AbortSignal): AsyncIterable<void> {
    this.watchCalls++;
    if (this.failWith) throw this.failWith;
    let holder = this.server.record?.holderIdentity;
    if (holder === '') yield;
    const listeners = WatchingLock.writes.get(this.server) ?? new Set();
    WatchingLock.writes.set(this.server, listeners);
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          listeners.delete(wake);
          resolve();
        };
        listeners.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
      const now = this.server.record?.holderIdentity;
      if (!signal.aborted && now === '' && holder !== '') yield;
      holder = now;
    }
  }
}

async function twoCandidates(lockB: (server: MemoryLockServer) => WatchingLock) {
  const { MemoryLockServer } = await import('./support/memory-lock.js');
  const clock = new FakeClock();
  const server = new MemoryLockServer(clock);
  const a = startCandidate(new WatchingLock(server, 'a'), clock, { releaseOnCancel: true });
  await settle();
  const lock = lockB(server);
  const b = startCandidate(lock, clock);
  await clock.advance(2000);
  expect(a.elector.isLeader()).toBe(true);
  return { clock, server, a, b, lock };
}

describe('LeaderElector: following releases', () => {
  it('a follower that watches the lock takes over the moment the leader releases, not at its next poll', async () => {
    const { clock, server, a, b } = await twoCandidates((s) => new WatchingLock(s, 'b'));
    const polls = server.ops.filter((o) => o.identity === 'b').length;
    a.controller.abort();
    await a.done;
    await settle();
    // No fake time has passed since the release at 2000: the watch woke b.
    expect(clock.now()).toBe(2000);
    expect(b.intervals).toEqual([{ who: 'b', start: 2000 }]);
    expect(server.record).toMatchObject({ holderIdentity: 'b', leaderTransitions: 1 });
    // One read and one write: waking costs no extra request.
    expect(server.ops.filter((o) => o.identity === 'b').length - polls).toBe(2);
    assertNoOverlap([...a.intervals, ...b.intervals]);
    b.controller.abort();
    await b.done;
  });

  it('an idle follower polls no more often than without the watch', async () => {
    const { clock, server, a, b } = await twoCandidates((s) => new WatchingLock(s, 'b'));
    const before = server.ops.filter((o) => o.identity === 'b').length;
    await clock.advance(8000); // the leader renews throughout; b sees no release
    expect(server.ops.filter((o) => o.identity === 'b').length - before).toBe(10); // every 800 ms
    expect(b.intervals).toEqual([]);
    a.controller.abort();
    b.controller.abort();
    await Promise.all([a.done, b.done]);
  });

  it('without watch permission it polls as before, and says so once', async () => {
    const lines: string[] = [];
    const logger = { debug: () => {}, info: (m: string) => lines.push(m), warn: () => {}, error: () => {} };
    const clock = new FakeClock();
    const { MemoryLockServer } = await import('./support/memory-lock.js');
    const server = new MemoryLockServer(clock);
    const a = startCandidate(new WatchingLock(server, 'a'), clock, { releaseOnCancel: true });
    await settle();
    const lock = new WatchingLock(server, 'b');
    lock.failWith = apiError(403, 'Forbidden', 'leases is forbidden: cannot watch');
    const b = startCandidate(lock, clock, { logger });
    await clock.advance(2000);
    a.controller.abort();
    await a.done;
    await settle();
    expect(b.intervals).toEqual([]); // no watch: b waits for its poll at 2400
    await clock.advance(400);
    expect(b.intervals).toEqual([{ who: 'b', start: 2400 }]);
    expect(lock.watchCalls).toBe(1);
    expect(lines.filter((l) => l.includes('cannot watch the lock'))).toHaveLength(1);
    b.controller.abort();
    await b.done;
  });

  it('retries a failing watch with growing backoff and never gives up on it', async () => {
    const { clock, a, b, lock } = await twoCandidates((s) => {
      const l = new WatchingLock(s, 'b');
      l.failWith = new Error('connection reset');
      return l;
    });
    // Backoff from the retry period, doubling with jitter 0.5: 800, 1600, 3200, 6400 ms …
    const at2s = lock.watchCalls;
    await clock.advance(12_000);
    const at14s = lock.watchCalls;
    expect(at2s).toBeGreaterThanOrEqual(2);
    expect(at14s - at2s).toBeGreaterThanOrEqual(2);
    expect(at14s - at2s).toBeLessThanOrEqual(3);
    // Once the watch works again, a release wakes b at once.
    lock.failWith = undefined;
    await clock.advance(30_000);
    const now = clock.now();
    a.controller.abort();
    await a.done;
    await settle();
    expect(b.intervals).toEqual([{ who: 'b', start: now }]);
    b.controller.abort();
    await b.done;
  });
});
