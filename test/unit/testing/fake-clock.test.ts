import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/testing/fake-clock.js';

describe('FakeClock', () => {
  it('starts at the given time and only moves when stepped', () => {
    const clock = new FakeClock({ now: 1000 });
    expect(clock.now()).toBe(1000);
    clock.step(250);
    expect(clock.now()).toBe(1250);
    clock.setTime(2000);
    expect(clock.now()).toBe(2000);
  });

  it('refuses to go backwards or step by a negative amount', () => {
    const clock = new FakeClock({ now: 10 });
    expect(() => clock.setTime(9)).toThrow(RangeError);
    expect(() => clock.step(-1)).toThrow(RangeError);
    expect(clock.now()).toBe(10);
  });

  it('fires due timers in due-time order, ties in creation order, each at its own due time', () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 30);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`b1@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`b2@${clock.now()}`), 20);
    clock.step(25);
    expect(fired).toEqual(['a@10', 'b1@20', 'b2@20']);
    expect(clock.now()).toBe(25);
    expect(clock.pendingTimers()).toBe(1);
    clock.step(5);
    expect(fired).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30']);
    expect(clock.hasWaiters()).toBe(false);
  });

  it('fires timers created by callbacks when they fall inside the step window', () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5);
      clock.setTimeout(() => fired.push(clock.now()), 50);
    }, 10);
    clock.step(20);
    expect(fired).toEqual([10, 15]);
    expect(clock.nextTimerAt()).toBe(60);
  });

  it('treats negative delays as zero and fires them on the next step', () => {
    const clock = new FakeClock({ now: 5 });
    let fired = 0;
    clock.setTimeout(() => fired++, -100);
    expect(clock.nextTimerAt()).toBe(5);
    clock.step(0);
    expect(fired).toBe(1);
  });

  it('fails loudly instead of hanging when code re-arms a zero-delay timer forever', () => {
    const clock = new FakeClock();
    const rearm = () => {
      clock.setTimeout(rearm, 0);
    };
    rearm();
    expect(() => clock.step(1)).toThrow(/re-arming a zero-delay timer/);
  });

  it('cancel removes a timer and is idempotent', () => {
    const clock = new FakeClock();
    let fired = 0;
    const t = clock.setTimeout(() => fired++, 10);
    clock.setTimeout(() => fired++, 10);
    expect(clock.pendingTimers()).toBe(2);
    t.cancel();
    t.cancel();
    expect(clock.pendingTimers()).toBe(1);
    clock.step(10);
    expect(fired).toBe(1);
  });

  it('cancelling an already fired timer does not remove another', () => {
    const clock = new FakeClock();
    const t = clock.setTimeout(() => {}, 1);
    clock.step(1);
    clock.setTimeout(() => {}, 1);
    t.cancel();
    expect(clock.pendingTimers()).toBe(1);
  });

  it('sleep resolves when time reaches it and rejects on abort without leaving a timer', async () => {
    const clock = new FakeClock();
    let woke = false;
    const slept = clock.sleep(100).then(() => {
      woke = true;
    });
    clock.step(99);
    await Promise.resolve();
    expect(woke).toBe(false);
    clock.step(1);
    await slept;
    expect(woke).toBe(true);

    const ac = new AbortController();
    const aborted = clock.sleep(100, ac.signal);
    expect(clock.pendingTimers()).toBe(1);
    ac.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(clock.hasWaiters()).toBe(false);
  });

  it('advance lets async code reschedule between timers', async () => {
    const clock = new FakeClock();
    const ticks: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(10);
        ticks.push(clock.now());
      }
    })();
    await clock.advance(35);
    await loop;
    expect(ticks).toEqual([10, 20, 30]);
    expect(clock.now()).toBe(35);
  });

  it('step alone does not run continuations, so a sleep loop stops after one tick', async () => {
    const clock = new FakeClock();
    const ticks: number[] = [];
    void (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(10);
        ticks.push(clock.now());
      }
    })();
    clock.step(35);
    await new Promise((r) => setImmediate(r));
    expect(ticks).toEqual([35]);
  });

  it('keeps wall time in step with monotonic time and applies an independent offset', () => {
    const clock = new FakeClock({ now: 500, wallTime: new Date('2030-05-01T00:00:00Z') });
    expect(clock.wallNow().toISOString()).toBe('2030-05-01T00:00:00.000Z');
    clock.step(1500);
    expect(clock.wallNow().toISOString()).toBe('2030-05-01T00:00:01.500Z');
    clock.setWallOffset(-60_000);
    expect(clock.wallOffset).toBe(-60_000);
    expect(clock.wallNow().toISOString()).toBe('2030-04-30T23:59:01.500Z');
    expect(clock.now()).toBe(2000);
    clock.setWallOffset(0);
    expect(clock.wallNow().toISOString()).toBe('2030-05-01T00:00:01.500Z');
  });

  it('two clocks can disagree on wall time while agreeing on durations', () => {
    const a = new FakeClock();
    const b = new FakeClock();
    b.setWallOffset(3_600_000);
    a.step(10);
    b.step(10);
    expect(b.wallNow().getTime() - a.wallNow().getTime()).toBe(3_600_000);
    expect(a.now()).toBe(b.now());
  });
});
