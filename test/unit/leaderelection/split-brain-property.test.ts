import fc from 'fast-check';
import { describe, it } from 'vitest';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { assertNoOverlap, startCandidate, type TestCandidate } from './support/candidate.js';
import { offsetClock } from './support/clocks.js';
import { apiError, type Fault, MemoryLockServer } from './support/memory-lock.js';

const IDS = ['a', 'b', 'c', 'd'];

type Step =
  | { kind: 'fault'; who: number; fault: Fault }
  | { kind: 'heal'; who: number }
  | { kind: 'latency'; ms: number }
  | { kind: 'cancel'; who: number }
  | { kind: 'restart'; who: number };

const who = fc.integer({ min: 0, max: IDS.length - 1 });
const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.constant<Fault>({ mode: 'hang' }),
  fc.constant<Fault>({ mode: 'land-then-hang' }),
  fc.constant<Fault>({ mode: 'error', error: apiError(500, 'InternalError') }),
  fc.constant<Fault>({ mode: 'error', error: apiError(429, 'TooManyRequests') }),
  fc.integer({ min: 1, max: 6000 }).map<Fault>((delayMs) => ({ mode: 'late', delayMs })),
  fc
    .constantFrom<Array<'get' | 'create' | 'update'>>(['get'], ['update'], ['create', 'update'])
    .map<Fault>((ops) => ({ mode: 'land-then-hang', ops })),
);
const step: fc.Arbitrary<[number, Step]> = fc.tuple(
  fc.integer({ min: 0, max: 4000 }),
  fc.oneof(
    fc.record({ kind: fc.constant('fault' as const), who, fault }),
    fc.record({ kind: fc.constant('heal' as const), who }),
    fc.record({ kind: fc.constant('latency' as const), ms: fc.integer({ min: 0, max: 2500 }) }),
    fc.record({ kind: fc.constant('cancel' as const), who }),
    fc.record({ kind: fc.constant('restart' as const), who }),
  ),
);

describe('no split brain, whatever the server and network do (property)', () => {
  it('leading intervals of different candidates never overlap under random faults, delays, lost and late writes, skewed clocks, restarts, second-precision records', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 25 }),
        fc.array(fc.integer({ min: -3_600_000, max: 3_600_000 }), {
          minLength: IDS.length,
          maxLength: IDS.length,
        }),
        fc.boolean(),
        fc.boolean(),
        // Valid timings, including a slim margin between renew deadline and lease duration.
        fc.constantFrom(
          { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 },
          { leaseDurationMs: 3000, renewDeadlineMs: 2800, retryPeriodMs: 200 },
          { leaseDurationMs: 2000, renewDeadlineMs: 1900, retryPeriodMs: 1500 },
        ),
        async (steps, offsets, releaseOnCancel, coarseRaw, timings) => {
          const clock = new FakeClock();
          const server = new MemoryLockServer(clock);
          server.coarseRaw = coarseRaw;
          const all: TestCandidate[] = [];
          const current: Array<TestCandidate | undefined> = [];
          const start = (i: number) => {
            const c = startCandidate(server.lock(IDS[i]!), offsetClock(clock, offsets[i]!), {
              releaseOnCancel,
              random: Math.random,
              ...timings,
            });
            current[i] = c;
            all.push(c);
          };
          for (let i = 0; i < IDS.length; i++) start(i);
          for (const [delay, s] of steps) {
            await clock.advance(delay);
            if (s.kind === 'fault') server.fault(IDS[s.who]!, s.fault);
            else if (s.kind === 'heal') server.fault(IDS[s.who]!, { mode: 'ok' });
            else if (s.kind === 'latency') server.latencyMs = s.ms;
            else if (s.kind === 'cancel') current[s.who]?.controller.abort();
            else if (!current[s.who] || current[s.who]!.controller.signal.aborted) start(s.who);
          }
          for (const id of IDS) server.fault(id, { mode: 'ok' });
          server.latencyMs = 0;
          await clock.advance(10_000);
          for (const c of all) c.controller.abort();
          await clock.advance(5_000);
          await Promise.all(all.map((c) => c.done));
          assertNoOverlap(all.flatMap((c) => c.intervals));
        },
      ),
      { numRuns: Number(process.env.LE_PROPERTY_RUNS ?? 200) },
    );
  }, 120_000);
});
