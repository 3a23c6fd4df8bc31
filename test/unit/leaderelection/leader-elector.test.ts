import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/client/index.js';
import { ConfigError } from '../../../src/common/errors.js';
import type { Logger } from '../../../src/common/logger.js';
import { LeadershipLostError } from '../../../src/leaderelection/index.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { assertNoOverlap, startCandidate } from './support/candidate.js';
import { offsetClock, settle } from './support/clocks.js';
import { apiError, MemoryLockServer } from './support/memory-lock.js';

// Timings in every test: lease 3 s, renew deadline 2 s, retry 0.5 s; jitter fixed at 0.5, so a
// waiting candidate polls every 500 × (1 + 0.5 × 1.2) = 800 ms.

function recordingLogger(): Logger & { lines: Array<{ level: string; message: string; fields?: unknown }> } {
  const lines: Array<{ level: string; message: string; fields?: unknown }> = [];
  const at = (level: string) => (message: string, fields?: unknown) =>
    void lines.push({ level, message, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('LeaderElector: acquire and renew', () => {
  it('creates a missing lock, leads, and renews every retry period with one update each', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const a = startCandidate(server.lock('a'), clock);
    await settle();
    expect(a.elector.isLeader()).toBe(true);
    expect(a.elector.getLeader()).toBe('a');
    expect(a.intervals).toEqual([{ who: 'a', start: 0 }]);
    expect(server.record).toMatchObject({
      holderIdentity: 'a',
      leaseDurationSeconds: 3,
      leaderTransitions: 0,
    });
    const acquired = server.record!.acquireTime;
    expect(acquired).toBe('2024-01-01T00:00:00.000000Z');
    expect(server.ops.map((o) => o.op)).toEqual(['get', 'create']);

    await clock.advance(2000);
    // Fast path: the holder writes its cached object without reading first.
    expect(server.ops.slice(2).map((o) => [o.op, o.at])).toEqual([
      ['update', 500],
      ['update', 1000],
      ['update', 1500],
      ['update', 2000],
    ]);
    expect(server.record).toMatchObject({ acquireTime: acquired, renewTime: '2024-01-01T00:00:02.000000Z' });
    expect(a.elector.isLeader()).toBe(true);

    a.controller.abort();
    await a.done;
    expect(a.events).toEqual(['started', 'aborted', 'stopped']);
    expect(a.elector.isLeader()).toBe(false);
    // Without releaseOnCancel the record is left as it was.
    expect(server.record!.holderIdentity).toBe('a');
    expect(a.newLeaders).toEqual(['a']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('writes the lease duration rounded up to whole seconds', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const a = startCandidate(server.lock('a'), clock, { leaseDurationMs: 2500 });
    await settle();
    expect(server.record!.leaseDurationSeconds).toBe(3);
    a.controller.abort();
    await a.done;
  });

  it('a follower keeps polling with jitter and never acquires while the leader renews', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const a = startCandidate(server.lock('a'), clock);
    await settle();
    const b = startCandidate(server.lock('b'), clock);
    await clock.advance(20_000);
    expect(b.intervals).toEqual([]);
    expect(b.elector.isLeader()).toBe(false);
    expect(b.elector.getLeader()).toBe('a');
    expect(b.newLeaders).toEqual(['a']);
    const bOps = server.ops.filter((o) => o.identity === 'b');
    expect(bOps.every((o) => o.op === 'get')).toBe(true);
    expect(bOps.map((o) => o.at).slice(0, 4)).toEqual([0, 800, 1600, 2400]);
    a.controller.abort();
    b.controller.abort();
    await Promise.all([a.done, b.done]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('acquires a released lock (empty holder) at once, counting the transition', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    server.record = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: '',
      renewTime: '',
      leaderTransitions: 4,
    };
    const a = startCandidate(server.lock('a'), clock);
    await settle();
    expect(a.intervals).toEqual([{ who: 'a', start: 0 }]);
    expect(server.record).toMatchObject({ holderIdentity: 'a', leaderTransitions: 5 });
    a.controller.abort();
    await a.done;
  });

  it('waits a full lease duration from its first look at a record nobody renews, whatever its timestamps say', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    // Renewed "a year ago" by the record's own timestamps: irrelevant, only observation counts.
    server.record = {
      holderIdentity: 'old',
      leaseDurationSeconds: 3,
      acquireTime: '2023-01-01T00:00:00Z',
      renewTime: '2023-01-01T00:00:00Z',
      leaderTransitions: 0,
    };
    const a = startCandidate(server.lock('a'), clock);
    await clock.advance(3000);
    expect(a.intervals).toEqual([]);
    await clock.advance(1);
    // Polls at 0, 800, 1600, 2400, then just after expiry (3001) rather than at 3200.
    expect(a.intervals).toEqual([{ who: 'a', start: 3001 }]);
    expect(a.newLeaders).toEqual(['old', 'a']);
    a.controller.abort();
    await a.done;
  });

  it('judges expiry by the record holder’s lease duration, not its own', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    server.record = {
      holderIdentity: 'old',
      leaseDurationSeconds: 10,
      acquireTime: '',
      renewTime: '',
      leaderTransitions: 0,
    };
    const a = startCandidate(server.lock('a'), clock);
    await clock.advance(10_000);
    expect(a.intervals).toEqual([]);
    await clock.advance(1);
    expect(a.intervals).toEqual([{ who: 'a', start: 10_001 }]);
    a.controller.abort();
    await a.done;
  });
});

describe('LeaderElector: losing the lock', () => {
  /** a leads from 0; b follows from 0; a's requests hang from 5250 (after its renewal at 5000). */
  async function failover(aWallOffset: number, bWallOffset: number) {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const a = startCandidate(server.lock('a'), offsetClock(clock, aWallOffset));
    await settle();
    const b = startCandidate(server.lock('b'), offsetClock(clock, bWallOffset));
    await clock.advance(5250);
    server.fault('a', { mode: 'hang' });
    await clock.advance(10_000);
    return { clock, server, a, b };
  }

  it('a leader that cannot renew aborts its work at the renew deadline, before anyone else acquires', async () => {
    const { clock, server, a, b } = await failover(0, 0);
    // Last successful renewal started at 5000: a gives up at 7000 exactly.
    expect(a.intervals).toHaveLength(1);
    expect(a.intervals[0]).toMatchObject({ who: 'a', start: 0, end: 7000 });
    expect(a.intervals[0]!.reason).toBeInstanceOf(LeadershipLostError);
    expect(a.events).toEqual(['started', 'aborted', 'stopped']);
    await a.done;
    // The hung renewal was aborted with the leadership, not left dangling.
    expect(server.pending.size).toBe(0);
    // b last saw a change at its poll at 5600; it takes over just after 5600 + 3000.
    expect(b.intervals).toEqual([{ who: 'b', start: 8601 }]);
    expect(b.intervals[0]!.start - a.intervals[0]!.end!).toBeGreaterThanOrEqual(1000);
    expect(b.newLeaders).toEqual(['a', 'b']);
    expect(server.record).toMatchObject({ holderIdentity: 'b', leaderTransitions: 1 });
    assertNoOverlap([...a.intervals, ...b.intervals]);
    b.controller.abort();
    await b.done;
    expect(clock.pendingTimers()).toBe(0);
  });

  it.each([
    [-600_000, 0],
    [600_000, 0],
    [0, -600_000],
    [0, 600_000],
    [-3_600_000, 3_600_000],
  ])('wall clocks offset (leader %i ms, follower %i ms) change nothing', async (aOffset, bOffset) => {
    const { a, b } = await failover(aOffset, bOffset);
    expect(a.intervals[0]).toMatchObject({ start: 0, end: 7000 });
    expect(b.intervals).toEqual([{ who: 'b', start: 8601 }]);
    b.controller.abort();
    await b.done;
  });

  it('counts the deadline from the start of the last renewal that succeeded, even a slow one', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const a = startCandidate(server.lock('a'), clock);
    await settle();
    server.latencyMs = 1000; // each renewal takes 1 s to be answered
    await clock.advance(1200);
    // The renewal sent at 500 is answered at 1500 (deadline now 2500); the next, sent at 2000, hangs.
    server.fault('a', { mode: 'hang' });
    await clock.advance(5000);
    expect(a.intervals[0]!.end).toBe(2500);
    await a.done;
  });

  it('anchors the deadline at the write that acquired the lock, not at the read before it', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    server.record = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: '',
      renewTime: '',
      leaderTransitions: 0,
    };
    server.opLatencyMs.get = 1500;
    const a = startCandidate(server.lock('a'), clock);
    await clock.advance(1500); // the read answers at 1500; the update is sent and answered then
    expect(a.intervals).toEqual([{ who: 'a', start: 1500 }]);
    server.fault('a', { mode: 'hang' });
    await clock.advance(5000);
    expect(a.intervals[0]!.end).toBe(3500);
    await a.done;
  });

  it('a cancellation that arrives with the grant never starts leading, and still releases', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const lock = server.lock('a');
    const create = lock.create.bind(lock);
    let cancel = () => {};
    lock.create = async (record, signal) => {
      await create(record, signal);
      cancel();
    };
    const a = startCandidate(lock, clock, { releaseOnCancel: true });
    cancel = () => a.controller.abort();
    await a.done;
    expect(a.events).toEqual(['stopped']);
    expect(server.record!.holderIdentity).toBe('');
  });

  it('stops at once when it finds another holder with a live lease (someone broke the protocol)', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const a = startCandidate(server.lock('a'), clock, { name: 'e' });
    await clock.advance(1100);
    server.record = { ...server.record!, holderIdentity: 'intruder' };
    server.rv++;
    await clock.advance(400); // a's renewal at 1500: 409, then a read shows the intruder
    expect(a.intervals[0]).toMatchObject({ end: 1500 });
    await a.done;
    expect(a.elector.getLeader()).toBe('intruder');
  });

  it('an acquisition whose answer is lost is completed by the next attempt', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    server.fault('a', { mode: 'land-then-hang', ops: ['create'] });
    const a = startCandidate(server.lock('a'), clock);
    await settle();
    expect(server.record!.holderIdentity).toBe('a');
    expect(a.intervals).toEqual([]);
    server.fault('a', { mode: 'ok' });
    // The create's request is cut at the renew deadline (2000); the next attempt reads a record
    // naming a and renews it.
    await clock.advance(2800);
    expect(a.intervals).toEqual([{ who: 'a', start: 2800 }]);
    expect(server.record!.leaderTransitions).toBe(0);
    a.controller.abort();
    await a.done;
  });
});

describe('LeaderElector: cancellation and release', () => {
  it('calls onStoppedLeading once when cancelled before ever leading', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const a = startCandidate(server.lock('a'), clock);
    await settle();
    const b = startCandidate(server.lock('b'), clock);
    await clock.advance(1000);
    b.controller.abort();
    await b.done;
    expect(b.events).toEqual(['stopped']);
    a.controller.abort();
    await a.done;
  });

  it('ends at once when the signal is already aborted', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const lock = server.lock('a');
    const c = new AbortController();
    c.abort();
    const { LeaderElector } = await import('../../../src/leaderelection/index.js');
    let stopped = 0;
    const e = new LeaderElector({
      lock,
      clock,
      callbacks: { onStartedLeading: () => {}, onStoppedLeading: () => void stopped++ },
    });
    await e.run(c.signal);
    expect(stopped).toBe(1);
    expect(server.ops).toEqual([]);
  });

  it('releaseOnCancel writes an empty holder after aborting the work, and a follower takes over at its next poll', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const a = startCandidate(server.lock('a'), clock, { releaseOnCancel: true });
    await settle();
    const b = startCandidate(server.lock('b'), clock);
    await clock.advance(2000);
    a.controller.abort();
    await settle();
    await a.done;
    expect(a.events).toEqual(['started', 'aborted', 'stopped']);
    const release = server.writes('a').at(-1)!;
    expect(release.at).toBe(2000);
    expect(server.record).toMatchObject({
      holderIdentity: '',
      leaseDurationSeconds: 1,
      leaderTransitions: 0,
    });
    // b polls at 2400 and acquires at once.
    await clock.advance(400);
    expect(b.intervals).toEqual([{ who: 'b', start: 2400 }]);
    expect(server.record).toMatchObject({ holderIdentity: 'b', leaderTransitions: 1 });
    assertNoOverlap([...a.intervals, ...b.intervals]);
    b.controller.abort();
    await b.done;
  });

  it('releaseOnCancel waits for the work to stop before releasing', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const a = startCandidate(server.lock('a'), clock, {
      releaseOnCancel: true,
      work: (signal) =>
        new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => void clock.setTimeout(resolve, 300)),
        ),
    });
    await clock.advance(1000);
    a.controller.abort();
    await clock.advance(299);
    expect(server.record!.holderIdentity).toBe('a');
    await clock.advance(1);
    await a.done;
    expect(server.record!.holderIdentity).toBe('');
    expect(server.writes('a').at(-1)!.at).toBe(1300);
  });

  it('releaseOnCancel does not release when the work outlives the lock, and run still ends', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const logger = recordingLogger();
    const a = startCandidate(server.lock('a'), clock, {
      releaseOnCancel: true,
      logger,
      work: () => new Promise<void>(() => {}),
    });
    await clock.advance(1000);
    a.controller.abort();
    await clock.advance(2000);
    await a.done;
    expect(server.record!.holderIdentity).toBe('a');
    expect(logger.lines.some((l) => l.level === 'warn' && /did not stop/.test(l.message))).toBe(true);
  });

  it('releaseOnCancel re-reads the lock when the cached object is stale and still releases it', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const a = startCandidate(server.lock('a'), clock, { releaseOnCancel: true });
    await clock.advance(1000);
    server.fault('a', { mode: 'land-then-hang' });
    await clock.advance(500); // the renewal at 1500 lands, its answer never comes
    server.fault('a', { mode: 'ok' });
    a.controller.abort();
    await settle();
    await a.done;
    expect(server.record!.holderIdentity).toBe('');
  });
});

describe('LeaderElector: races and errors', () => {
  it('of five simultaneous acquirers exactly one leads, also when they race again for an expired lock', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const ids = ['c0', 'c1', 'c2', 'c3', 'c4'];
    const cs = ids.map((id) => startCandidate(server.lock(id), clock));
    await clock.advance(5000);
    const leaders = cs.filter((c) => c.intervals.length > 0);
    expect(leaders).toHaveLength(1);
    const first = leaders[0]!;
    server.fault(first.id, { mode: 'hang' });
    await clock.advance(10_000);
    // All followers poll in lockstep (same jitter) and race for the expired lock: one wins.
    const all = cs.flatMap((c) => c.intervals);
    expect(all).toHaveLength(2);
    assertNoOverlap(all);
    expect(server.writes().filter((w) => w.op === 'update').length).toBeGreaterThan(0);
    for (const c of cs) c.controller.abort();
    await Promise.all(cs.map((c) => c.done));
    expect(clock.pendingTimers()).toBe(0);
  });

  it.each([
    [403, 'Forbidden', 'get', /RBAC/],
    [401, 'Unauthorized', 'get', /credentials/],
    [422, 'Invalid', 'get', /valid Kubernetes object names/],
  ])('ends run with a ConfigError on %i from the lock, after one try', async (code, reason, _op, hint) => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    server.fault('a', { mode: 'error', error: apiError(code, reason, `${reason.toLowerCase()} by test`) });
    const a = startCandidate(server.lock('a'), clock, { name: 'my-election' });
    const outcome = await a.outcome;
    expect(outcome.ok).toBe(false);
    const err = (outcome as { error: unknown }).error as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/my-election/);
    expect(err.message).toMatch(hint);
    expect(err.cause).toBeInstanceOf(ApiError);
    expect(a.stoppedCalls).toBe(1);
    expect(server.ops).toHaveLength(1);
  });

  it('a 404 on create (namespace missing) is a ConfigError; a 404 on update is retried', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const lock = server.lock('a');
    lock.create = () => Promise.reject(apiError(404, 'NotFound', 'namespaces "nope" not found'));
    const a = startCandidate(lock, clock);
    const outcome = await a.outcome;
    expect((outcome as { error: Error }).error.message).toMatch(/namespace/);
  });

  it('retries transient errors (500, 429, timeouts), reporting each, and acquires once they stop', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const logger = recordingLogger();
    server.fault('a', { mode: 'error', error: apiError(500, 'InternalError') });
    const a = startCandidate(server.lock('a'), clock, { logger });
    await clock.advance(2000);
    server.fault('a', { mode: 'error', error: apiError(429, 'TooManyRequests') });
    await clock.advance(2000);
    expect(a.intervals).toEqual([]);
    expect(logger.lines.filter((l) => l.level === 'error').length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(logger.lines)).toMatch(/TooManyRequests|429/);
    server.fault('a', { mode: 'ok' });
    await clock.advance(800);
    expect(a.intervals).toHaveLength(1);
    a.controller.abort();
    await a.done;
  });

  it('a leader keeps leading through transient renewal errors shorter than the renew deadline', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const a = startCandidate(server.lock('a'), clock);
    await clock.advance(1000);
    server.fault('a', { mode: 'error', error: apiError(503, 'ServiceUnavailable') });
    await clock.advance(1200); // attempts at 1500 and 2000 fail; the deadline is 3000
    server.fault('a', { mode: 'ok' }); // the attempt at 2500 succeeds
    await clock.advance(5000);
    expect(a.intervals).toEqual([{ who: 'a', start: 0 }]);
    a.controller.abort();
    await a.done;
  });

  it('contains callbacks that throw', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const logger = recordingLogger();
    const { LeaderElector } = await import('../../../src/leaderelection/index.js');
    const c = new AbortController();
    const e = new LeaderElector({
      lock: server.lock('a'),
      clock,
      logger,
      callbacks: {
        onStartedLeading: () => {
          throw new Error('boom 1');
        },
        onStoppedLeading: () => {
          throw new Error('boom 2');
        },
        onNewLeader: () => {
          throw new Error('boom 3');
        },
      },
    });
    const done = e.run(c.signal);
    await clock.advance(1000);
    expect(e.isLeader()).toBe(true);
    c.abort();
    await done;
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.message)).toHaveLength(3);
  });

  it('refuses to run twice at once', async () => {
    const clock = new FakeClock();
    const server = new MemoryLockServer(clock);
    const a = startCandidate(server.lock('a'), clock);
    await expect(a.elector.run(new AbortController().signal)).rejects.toThrow(/already running/);
    a.controller.abort();
    await a.done;
  });
});
