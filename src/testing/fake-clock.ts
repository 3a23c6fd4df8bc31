import { type Clock, type ClockTimer, sleepOn } from '../common/clock.js';

/** Options for {@link FakeClock}. */
export interface FakeClockOptions {
  /** Initial monotonic time in milliseconds (default 0). */
  now?: number;
  /** Wall-clock time that corresponds to monotonic time `now` (default 2024-01-01T00:00:00Z). */
  wallTime?: Date | number;
}

interface FakeTimer {
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

const DEFAULT_WALL_ORIGIN = Date.UTC(2024, 0, 1);
// A synchronous step cannot be interrupted, so a zero-delay re-arm loop would hang a test forever.
const MAX_TIMERS_PER_INSTANT = 1_000_000;

/**
 * A {@link Clock} whose time only moves when a test moves it. Timers fire synchronously from
 * {@link FakeClock.step} / {@link FakeClock.setTime} (or asynchronously, with microtasks flushed
 * between timers, from {@link FakeClock.advance}) in due-time order, ties in creation order, and
 * each callback observes `now()` equal to its own due time.
 *
 * Wall time is monotonic time plus an origin plus an independently settable offset, so a test can
 * skew one component's wall clock (`setWallOffset`) without disturbing durations — exactly the
 * situation kubekit's code must be immune to.
 */
export class FakeClock implements Clock {
  #now: number;
  #wallOrigin: number;
  #wallOffset = 0;
  #seq = 0;
  // Sorted by (due, seq); tests hold few timers, so a sorted array beats a heap on clarity.
  #timers: FakeTimer[] = [];

  constructor(options: FakeClockOptions = {}) {
    this.#now = options.now ?? 0;
    const wall = options.wallTime ?? DEFAULT_WALL_ORIGIN;
    this.#wallOrigin = (typeof wall === 'number' ? wall : wall.getTime()) - this.#now;
  }

  /** Current fake monotonic time in milliseconds. */
  now(): number {
    return this.#now;
  }

  /** Fake wall time: monotonic time + origin + the offset set with {@link setWallOffset}. */
  wallNow(): Date {
    return new Date(this.#wallOrigin + this.#now + this.#wallOffset);
  }

  /**
   * Skews wall time by `ms` relative to monotonic time (replacing any earlier offset). Timers and
   * `now()` are unaffected, as a real NTP step would leave a monotonic clock unaffected.
   */
  setWallOffset(ms: number): void {
    this.#wallOffset = ms;
  }

  /** The current wall-clock offset in milliseconds. */
  get wallOffset(): number {
    return this.#wallOffset;
  }

  /** Schedules `fn` at `now() + max(0, ms)`; it runs when a step reaches that time. */
  setTimeout(fn: () => void, ms: number): ClockTimer {
    const delay = Number.isFinite(ms) ? Math.max(0, ms) : ms > 0 ? Number.POSITIVE_INFINITY : 0;
    const timer: FakeTimer = { due: this.#now + delay, seq: this.#seq++, fn, cancelled: false };
    this.#insert(timer);
    return {
      cancel: () => {
        if (timer.cancelled) return;
        timer.cancelled = true;
        const i = this.#timers.indexOf(timer);
        if (i >= 0) this.#timers.splice(i, 1);
      },
    };
  }

  /** Resolves when fake time reaches `now() + ms`; rejects with the reason if `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** True when at least one timer (including a sleeper) is pending. */
  hasWaiters(): boolean {
    return this.#timers.length > 0;
  }

  /** Number of pending (not yet fired, not cancelled) timers. */
  pendingTimers(): number {
    return this.#timers.length;
  }

  /** Due time of the earliest pending timer, or undefined when none is pending. */
  nextTimerAt(): number | undefined {
    return this.#timers[0]?.due;
  }

  /**
   * Moves time forward by `ms`, synchronously firing every timer that becomes due, including
   * timers created by callbacks within the window. Promise continuations run only after this
   * returns; use {@link advance} when the code under test reschedules from async code.
   */
  step(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.step needs a non-negative duration, got ${ms}`);
    this.setTime(this.#now + ms);
  }

  /** Moves time forward to `t` (monotonic time never goes back), firing due timers like {@link step}. */
  setTime(t: number): void {
    if (!(t >= this.#now)) {
      throw new RangeError(`FakeClock time is monotonic: cannot go from ${this.#now} back to ${t}`);
    }
    let firedAtOneInstant = 0;
    for (;;) {
      const timer = this.#popDue(t);
      if (timer === undefined) break;
      firedAtOneInstant = timer.due === this.#now ? firedAtOneInstant + 1 : 0;
      if (firedAtOneInstant > MAX_TIMERS_PER_INSTANT) {
        throw new Error(
          `FakeClock: over ${MAX_TIMERS_PER_INSTANT} timers fired at t=${this.#now} without time moving; ` +
            'the code under test is re-arming a zero-delay timer in a loop',
        );
      }
      this.#now = timer.due;
      timer.fn();
    }
    this.#now = t;
  }

  /**
   * Like {@link step}, but awaits a macrotask turn before and after every timer so that promise
   * continuations (and the timers they create) take effect before time moves on.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance needs a non-negative duration, got ${ms}`);
    const target = this.#now + ms;
    await flushMicrotasks();
    for (;;) {
      const timer = this.#popDue(target);
      if (timer === undefined) break;
      this.#now = timer.due;
      timer.fn();
      await flushMicrotasks();
    }
    this.#now = target;
    await flushMicrotasks();
  }

  #popDue(t: number): FakeTimer | undefined {
    const head = this.#timers[0];
    if (head === undefined || head.due > t) return undefined;
    this.#timers.shift();
    head.cancelled = true;
    return head;
  }

  #insert(timer: FakeTimer): void {
    const timers = this.#timers;
    // Upper bound on (due, seq): seq only grows, so "after every timer with due <= timer.due".
    let lo = 0;
    let hi = timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (timers[mid]!.due <= timer.due) lo = mid + 1;
      else hi = mid;
    }
    timers.splice(lo, 0, timer);
  }
}

/** Resolves after every currently queued microtask (and the ones they queue) has run. */
function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
