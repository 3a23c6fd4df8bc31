import type { Clock } from '../../../../src/common/clock.js';
import {
  type LeaderElectionConfig,
  LeaderElector,
  type ResourceLock,
} from '../../../../src/leaderelection/index.js';

/** One leading interval on the test clock; `end` is when the leading signal aborted. */
export interface Interval {
  who: string;
  start: number;
  end?: number;
  reason?: unknown;
}

/** Test timings: lease 3 s, renew 2 s, retry 0.5 s. */
export const TIMINGS = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 } as const;

/** A running elector plus everything it reported, for assertions. */
export interface TestCandidate {
  id: string;
  elector: LeaderElector;
  intervals: Interval[];
  newLeaders: string[];
  stoppedCalls: number;
  /** Order of callback events: `started`, `aborted`, `stopped`. */
  events: string[];
  controller: AbortController;
  done: Promise<void>;
  /** Settles with the run's outcome instead of rejecting. */
  outcome: Promise<{ ok: true } | { ok: false; error: unknown }>;
}

/** Starts `LeaderElector.run` on `lock` and records what it does. */
export function startCandidate(
  lock: ResourceLock,
  clock: Clock,
  overrides: Partial<LeaderElectionConfig> & {
    work?: (signal: AbortSignal) => void | Promise<void>;
  } = {},
): TestCandidate {
  const id = lock.identity();
  const c: Omit<TestCandidate, 'elector' | 'done' | 'outcome'> = {
    id,
    intervals: [],
    newLeaders: [],
    stoppedCalls: 0,
    events: [],
    controller: new AbortController(),
  };
  const { work, ...config } = overrides;
  const elector = new LeaderElector({
    lock,
    clock,
    ...TIMINGS,
    random: () => 0.5,
    ...config,
    callbacks: {
      onStartedLeading(signal) {
        const iv: Interval = { who: id, start: clock.now() };
        c.intervals.push(iv);
        c.events.push('started');
        signal.addEventListener('abort', () => {
          iv.end = clock.now();
          iv.reason = signal.reason;
          c.events.push('aborted');
        });
        return work?.(signal);
      },
      onStoppedLeading() {
        c.stoppedCalls++;
        c.events.push('stopped');
      },
      onNewLeader(identity) {
        c.newLeaders.push(identity);
      },
      ...config.callbacks,
    },
  });
  const done = elector.run(c.controller.signal);
  const outcome = done.then(
    () => ({ ok: true }) as const,
    (error: unknown) => ({ ok: false, error }) as const,
  );
  return Object.assign(c, { elector, done, outcome });
}

/** Throws when two intervals of different candidates overlap (an open interval ends at +∞). */
export function assertNoOverlap(intervals: Interval[]): void {
  for (const a of intervals) {
    for (const b of intervals) {
      if (a === b || a.who === b.who) continue;
      const aEnd = a.end ?? Number.POSITIVE_INFINITY;
      if (b.start >= a.start && b.start < aEnd) {
        throw new Error(
          `split brain: ${a.who} led [${a.start}, ${a.end}] and ${b.who} started at ${b.start}`,
        );
      }
    }
  }
}
