import type { Clock, ClockTimer } from '../../../../src/common/clock.js';
import { sleepOn } from '../../../../src/common/clock.js';
import type { FakeClock } from '../../../../src/testing/fake-clock.js';

/** A view of `base` whose wall clock is offset by `offsetMs` (monotonic time and timers shared). */
export function offsetClock(base: FakeClock, offsetMs: number): Clock {
  return {
    now: () => base.now(),
    wallNow: () => new Date(base.wallNow().getTime() + offsetMs),
    setTimeout: (fn, ms) => base.setTimeout(fn, ms),
    sleep(ms, signal) {
      return sleepOn(this, ms, signal);
    },
  };
}

/** A view of `base` whose timers stop firing once `stuck.on` is set: a wedged event loop. */
export function stickyClock(base: FakeClock): Clock & { stuck: boolean } {
  const clock = {
    stuck: false,
    now: () => base.now(),
    wallNow: () => base.wallNow(),
    setTimeout(fn: () => void, ms: number): ClockTimer {
      return base.setTimeout(() => {
        if (!clock.stuck) fn();
      }, ms);
    },
    sleep(ms: number, signal?: AbortSignal) {
      return sleepOn(clock, ms, signal);
    },
  };
  return clock;
}

/** Lets promise continuations run (several macrotask turns) without moving fake time. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}
