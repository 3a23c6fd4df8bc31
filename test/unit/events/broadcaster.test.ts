import { describe, expect, it } from 'vitest';
import { isForbidden } from '../../../src/client/api-error.js';
import { Pods } from '../../../src/client/builtin-resources.js';
import { ConfigError } from '../../../src/common/errors.js';
import { EventBroadcaster, type EventBroadcasterOptions } from '../../../src/events/broadcaster.js';
import { EventError } from '../../../src/events/errors.js';
import { FakeEventRecorder } from '../../../src/events/fake-recorder.js';
import type { EventType } from '../../../src/events/types.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { apiError, FakeSink, pod, settle } from './support.js';

const MIN = 60_000;

function setup(options: Partial<EventBroadcasterOptions> & { sink?: FakeSink } = {}) {
  const clock = new FakeClock();
  const sink = options.sink ?? new FakeSink();
  const errors: EventError[] = [];
  const broadcaster = new EventBroadcaster({
    sink,
    component: 'test-controller',
    instance: 'host-1',
    clock,
    random: () => 0.5,
    onError: (err) => errors.push(err),
    ...options,
  });
  const stop = new AbortController();
  const loop = broadcaster.start(stop.signal);
  const recorder = broadcaster.newRecorder();
  return { clock, sink, errors, broadcaster, recorder, stop, loop };
}

describe('EventBroadcaster: writing', () => {
  it('creates an Event with the object reference, reporting fields and a unique name', async () => {
    const { sink, recorder, broadcaster } = setup();
    recorder.event(pod('web-0'), 'Normal', 'Started', 'container started', { action: 'Starting' });
    expect(await broadcaster.flush()).toBe(true);
    expect(sink.calls.map((c) => c.op)).toEqual(['create']);
    const [event] = sink.events();
    expect(event).toMatchObject({
      namespace: 'ns1',
      regarding: {
        apiVersion: 'v1',
        kind: 'Pod',
        namespace: 'ns1',
        name: 'web-0',
        uid: 'uid-web-0',
        resourceVersion: '42',
      },
      type: 'Normal',
      reason: 'Started',
      action: 'Starting',
      note: 'container started',
      reportingController: 'test-controller',
      reportingInstance: 'host-1',
      count: 1,
    });
    expect(event?.name).toMatch(/^web-0\.[0-9a-f]{16}$/);
    expect(broadcaster.stats).toMatchObject({ emitted: 1, written: 1, dropped: 0 });
  });

  it('events.k8s.io: identical events become one series; later counts are written by flush', async () => {
    const { sink, recorder, broadcaster, clock } = setup();
    recorder.event(pod('web-0'), 'Warning', 'BackOff', 'restarting');
    await broadcaster.flush();
    clock.step(1000);
    recorder.event(pod('web-0'), 'Warning', 'BackOff', 'restarting');
    await settle();
    expect(sink.calls.map((c) => [c.op, c.event.count])).toEqual([
      ['create', 1],
      ['update', 2],
    ]);
    for (let i = 0; i < 5; i++) recorder.event(pod('web-0'), 'Warning', 'BackOff', 'restarting');
    await settle();
    expect(sink.calls).toHaveLength(2); // counts 3..7 are local until a heartbeat or flush
    expect(await broadcaster.flush()).toBe(true);
    expect(sink.calls.map((c) => [c.op, c.event.count])).toEqual([
      ['create', 1],
      ['update', 2],
      ['update', 7],
    ]);
    expect(sink.events()).toHaveLength(1);
    expect(broadcaster.stats).toMatchObject({ emitted: 7, written: 3, dropped: 0 });
  });

  it('events.k8s.io: growing series are written every 30 minutes and finished after 6 quiet minutes', async () => {
    const { sink, recorder, clock } = setup();
    const emit = () => recorder.event(pod('web-0'), 'Warning', 'BackOff', 'restarting');
    emit();
    await settle();
    emit();
    await settle();
    // Keep the series busy (one occurrence a minute) for 40 minutes.
    for (let m = 1; m <= 40; m++) {
      await clock.advance(MIN);
      emit();
    }
    await settle();
    const updates = sink.calls.filter((c) => c.op === 'update').map((c) => c.event.count);
    expect(updates).toEqual([2, 31]); // the 30-minute heartbeat wrote the count it had then
    await clock.advance(12 * MIN); // quiet: the series is finished with its final count
    expect(sink.calls.at(-1)?.event.count).toBe(42);
    expect(sink.events()).toHaveLength(1);
    // After the series finished, the same event starts a new Event.
    emit();
    await settle();
    expect(sink.calls.at(-1)?.op).toBe('create');
    expect(sink.events()).toHaveLength(2);
  });

  it('core v1: every occurrence writes its count (a queued write carries later ones)', async () => {
    const { sink, recorder, broadcaster } = setup({ sink: new FakeSink('v1') });
    recorder.event(pod('web-0'), 'Warning', 'BackOff', 'restarting');
    await settle();
    recorder.event(pod('web-0'), 'Warning', 'BackOff', 'restarting');
    await settle();
    recorder.event(pod('web-0'), 'Warning', 'BackOff', 'restarting');
    recorder.event(pod('web-0'), 'Warning', 'BackOff', 'restarting');
    recorder.event(pod('web-0'), 'Warning', 'BackOff', 'restarting');
    await broadcaster.flush();
    expect(sink.calls.map((c) => [c.op, c.event.count])).toEqual([
      ['create', 1],
      ['update', 2],
      ['update', 5],
    ]);
  });

  it('aggregates many similar events into one combined Event', async () => {
    const { sink, recorder, broadcaster } = setup({ sink: new FakeSink('v1') });
    for (let i = 1; i <= 14; i++)
      recorder.event(pod('web-0'), 'Warning', 'FailedMount', `volume v${i} not ready`);
    await broadcaster.flush();
    const events = sink.events();
    expect(events).toHaveLength(10);
    const combined = events.filter((e) => e.note.startsWith('(combined from similar events): '));
    expect(combined).toHaveLength(1);
    expect(combined[0]).toMatchObject({
      count: 5,
      note: '(combined from similar events): volume v14 not ready',
    });
    expect(broadcaster.stats.aggregated).toBe(5);
  });

  it('the spam filter caps writes about one object and counts the refusals', async () => {
    const { sink, recorder, broadcaster } = setup();
    for (let i = 0; i < 40; i++) recorder.event(pod('web-0'), 'Normal', `Reason${i}`, 'x');
    recorder.event(pod('web-1'), 'Normal', 'Reason0', 'x');
    await broadcaster.flush();
    expect(sink.events()).toHaveLength(26);
    expect(broadcaster.stats).toMatchObject({ emitted: 41, written: 26, spamFiltered: 15, dropped: 0 });
  });

  it('uses the recorder’s component, default action and default type', async () => {
    const { sink, broadcaster } = setup();
    const recorder = broadcaster.newRecorder({
      component: 'example.com/other',
      action: 'Reconcile',
      defaultType: Pods,
    });
    recorder.event({ metadata: { name: 'web-0', namespace: 'ns1', uid: 'u' } }, 'Normal', 'Synced', 'ok');
    recorder.eventf(pod('web-1'), 'Normal', 'Scaled', 'scaled to %d replicas', 3);
    await broadcaster.flush();
    expect(sink.events().map((e) => [e.reportingController, e.action, e.regarding.kind, e.note])).toEqual([
      ['example.com/other', 'Reconcile', 'Pod', 'ok'],
      ['example.com/other', 'Reconcile', 'Pod', 'scaled to 3 replicas'],
    ]);
    expect(() => broadcaster.newRecorder({ component: 'not a name' })).toThrow(ConfigError);
  });

  it('records related objects and cluster-scoped objects (in default)', async () => {
    const { sink, recorder, broadcaster } = setup();
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', uid: 'n1' } };
    recorder.event(pod('web-0'), 'Normal', 'Scheduled', 'assigned', { related: node });
    recorder.event(node, 'Warning', 'NotReady', 'kubelet stopped posting status');
    await broadcaster.flush();
    expect(sink.events().map((e) => [e.namespace, e.related?.name])).toEqual([
      ['ns1', 'node-1'],
      ['default', undefined],
    ]);
  });
});

describe('EventBroadcaster: bad input', () => {
  it('reports invalid events through onError, drops and counts them, never throws', async () => {
    const { sink, recorder, broadcaster, errors } = setup();
    const calls: [unknown, string, string][] = [
      [pod('a'), 'Info', 'Reason'],
      [pod('a'), 'Normal', ''],
      [pod('a'), 'Normal', 'R'.repeat(129)],
      [{ metadata: { name: 'no-kind' } }, 'Normal', 'Reason'],
      [{ kind: 'Pod' }, 'Normal', 'Reason'],
      [null, 'Normal', 'Reason'],
      [undefined, 'Normal', 'Reason'],
    ];
    for (const [obj, type, reason] of calls) {
      expect(() => recorder.event(obj as never, type as EventType, reason, 'm')).not.toThrow();
    }
    expect(() => recorder.event(pod('a'), 'Normal', 'Reason', 'm', { action: '' })).not.toThrow();
    await broadcaster.flush();
    expect(sink.calls).toHaveLength(0);
    expect(errors).toHaveLength(8);
    expect(errors.every((e) => e instanceof EventError && e.reason === 'Invalid')).toBe(true);
    expect(errors[0]?.message).toMatch(/Normal or Warning/);
    expect(errors[3]?.message).toMatch(/no kind.*defaultType/);
    expect(broadcaster.stats).toMatchObject({ emitted: 0, dropped: 8 });
  });

  it('cuts long messages to 1024 bytes and records them', async () => {
    const { sink, recorder, broadcaster } = setup();
    recorder.event(pod('a'), 'Normal', 'Long', 'é'.repeat(2000));
    await broadcaster.flush();
    const note = sink.events()[0]?.note ?? '';
    expect(Buffer.byteLength(note)).toBeLessThanOrEqual(1024);
    expect(note.endsWith('…')).toBe(true);
  });

  it('contains an onError handler and a metrics provider that throw', async () => {
    const throwing = () => {
      throw new Error('boom');
    };
    const counter = { inc: throwing };
    const { recorder, broadcaster, sink } = setup({
      onError: throwing,
      metrics: {
        newEmittedMetric: () => counter,
        newWrittenMetric: () => counter,
        newDroppedMetric: () => counter,
        newAggregatedMetric: () => counter,
        newSpamFilteredMetric: () => counter,
        newWriteErrorsMetric: () => counter,
        newQueueDepthMetric: () => ({ inc: throwing, dec: throwing }),
      },
    });
    expect(() => recorder.event(pod('a'), 'Bad' as EventType, 'R', 'm')).not.toThrow();
    expect(() => recorder.event(pod('a'), 'Normal', 'R', 'm')).not.toThrow();
    await broadcaster.flush();
    expect(sink.events()).toHaveLength(1);
  });

  it('rejects a second start and a component the API would refuse', async () => {
    const { broadcaster } = setup();
    await expect(broadcaster.start()).rejects.toThrow(ConfigError);
    expect(() => new EventBroadcaster({ sink: new FakeSink(), component: 'has spaces' })).toThrow(
      ConfigError,
    );
    expect(
      () => new EventBroadcaster({ sink: new FakeSink(), component: 'c', instance: 'x'.repeat(129) }),
    ).toThrow(ConfigError);
    expect(() => new EventBroadcaster({ component: 'c' })).toThrow(ConfigError);
  });
});

describe('EventBroadcaster: failures', () => {
  it('never blocks the caller when the sink hangs: the queue is bounded and drops are counted', async () => {
    const sink = new FakeSink();
    sink.hang = true;
    const { recorder, broadcaster } = setup({ sink, queueSize: 10 });
    recorder.event(pod('first'), 'Normal', 'R', 'm');
    await settle(); // the loop takes it and hangs in the sink
    for (let i = 0; i < 1000; i++) recorder.event(pod(`p${i}`), 'Normal', 'R', 'm');
    expect(broadcaster.pending).toBe(10);
    expect(broadcaster.stats).toMatchObject({ emitted: 1001, dropped: 990 });
    expect(sink.calls).toHaveLength(1);
  });

  it('abandons a hung write after the write timeout and retries it', async () => {
    const sink = new FakeSink();
    sink.hang = true;
    const { recorder, broadcaster, clock } = setup({ sink, writeTimeoutMs: 1000 });
    recorder.event(pod('a'), 'Normal', 'R', 'm');
    await settle();
    sink.hang = false;
    await clock.advance(1000); // the timeout fires
    expect(sink.hungSignals[0]?.aborted).toBe(true);
    await clock.advance(10_000); // the retry wait
    await broadcaster.flush();
    expect(sink.events()).toHaveLength(1);
    expect(broadcaster.stats).toMatchObject({ written: 1, writeErrors: 1, dropped: 0 });
  });

  it('retries a failing write 12 times with waits, then drops, counts and reports it; the loop goes on', async () => {
    const sink = new FakeSink();
    sink.failAlways = apiError(503, 'ServiceUnavailable');
    const { recorder, broadcaster, clock, errors } = setup({ sink });
    recorder.event(pod('a'), 'Normal', 'R', 'm');
    recorder.event(pod('b'), 'Normal', 'R', 'm');
    await settle();
    expect(sink.calls).toHaveLength(1);
    await clock.advance(4_999); // first wait: random (0.5) × 10 s
    expect(sink.calls).toHaveLength(1);
    await clock.advance(1);
    expect(sink.calls).toHaveLength(2);
    await clock.advance(10 * 12_500); // later waits: 10 s + 25 % × 0.5 jitter
    expect(sink.calls.filter((c) => c.event.regarding.name === 'a')).toHaveLength(12);
    expect(broadcaster.stats).toMatchObject({ dropped: 1, written: 0 });
    expect(broadcaster.stats.writeErrors).toBeGreaterThanOrEqual(12); // a's 12, plus b's first ones
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ reason: 'WriteFailed' });
    expect(errors[0]?.message).toMatch(/failed 12 times/);
    // Meanwhile the loop has moved on to b, which succeeds once the server recovers.
    sink.failAlways = undefined;
    await clock.advance(12_500);
    expect(await broadcaster.flush()).toBe(true);
    expect(sink.events().map((e) => e.regarding.name)).toEqual(['b']);
  });

  it('drops a write the server rejects for good (RBAC 403) at once and reports it', async () => {
    const sink = new FakeSink();
    sink.failures.push(apiError(403, 'Forbidden', 'events is forbidden'));
    const { recorder, broadcaster, errors } = setup({ sink });
    recorder.event(pod('a'), 'Normal', 'R', 'm');
    recorder.event(pod('b'), 'Normal', 'R', 'm');
    await broadcaster.flush();
    expect(sink.calls).toHaveLength(2);
    expect(errors).toHaveLength(1);
    expect(isForbidden(errors[0]?.cause)).toBe(true);
    expect(errors[0]?.event).toEqual({ object: 'Pod ns1/a', type: 'Normal', reason: 'R' });
    expect(broadcaster.stats).toMatchObject({ written: 1, dropped: 1, writeErrors: 1 });
  });

  it('drops events into a terminating namespace quietly (counted, not reported), as client-go', async () => {
    const sink = new FakeSink();
    const err = apiError(403, 'Forbidden', 'namespace ns1 is being terminated');
    err.status.details = {
      causes: [{ reason: 'NamespaceTerminating', message: 'namespace ns1 is being terminated' }],
    };
    sink.failures.push(err);
    const { recorder, broadcaster, errors } = setup({ sink });
    recorder.event(pod('a'), 'Normal', 'Deleted', 'm');
    await broadcaster.flush();
    expect(errors).toEqual([]);
    expect(broadcaster.stats).toMatchObject({ dropped: 1, written: 0 });
  });

  it('re-creates an Event that expired on the server, keeping its count', async () => {
    const { sink, recorder, broadcaster } = setup({ sink: new FakeSink('v1') });
    recorder.event(pod('a'), 'Normal', 'R', 'm');
    await broadcaster.flush();
    sink.objects.clear(); // the apiserver's 1 h TTL
    recorder.event(pod('a'), 'Normal', 'R', 'm');
    await broadcaster.flush();
    expect(sink.calls.map((c) => [c.op, c.event.count])).toEqual([
      ['create', 1],
      ['update', 2],
      ['create', 2],
    ]);
    expect(broadcaster.stats).toMatchObject({ written: 2, writeErrors: 0 });
  });

  it('patches when a create finds its Event already there (an earlier answer was lost)', async () => {
    const sink = new FakeSink('v1');
    const { recorder, broadcaster, clock } = setup({ sink });
    sink.lostAnswers.push(apiError(504, 'Timeout'));
    recorder.event(pod('a'), 'Normal', 'R', 'm');
    await settle(); // the create reached the server, its answer did not reach us
    recorder.event(pod('a'), 'Normal', 'R', 'm'); // during the retry wait
    await clock.advance(5_000);
    expect(await broadcaster.flush()).toBe(true);
    expect(sink.calls.map((c) => [c.op, c.event.count])).toEqual([
      ['create', 1],
      ['create', 2],
      ['update', 2],
    ]);
    expect(sink.events()).toHaveLength(1);
    expect(broadcaster.stats).toMatchObject({ written: 1, writeErrors: 1, dropped: 0 });
  });
});

describe('EventBroadcaster: shutdown', () => {
  it('writes pending counts and queued events before stopping', async () => {
    const { sink, recorder, broadcaster, loop } = setup();
    for (let i = 0; i < 5; i++) recorder.event(pod('a'), 'Warning', 'BackOff', 'm');
    recorder.event(pod('b'), 'Normal', 'R', 'm');
    await broadcaster.shutdown();
    await loop;
    expect(sink.events().map((e) => [e.regarding.name, e.count])).toEqual([
      ['a', 5],
      ['b', 1],
    ]);
    recorder.event(pod('c'), 'Normal', 'R', 'm');
    expect(broadcaster.stats).toMatchObject({ emitted: 6, dropped: 1 });
    await broadcaster.shutdown(); // idempotent
  });

  it('gives up after the time bound when the sink hangs, counting what was lost', async () => {
    const sink = new FakeSink();
    sink.hang = true;
    const { recorder, broadcaster, clock } = setup({ sink });
    recorder.event(pod('a'), 'Normal', 'R', 'm');
    recorder.event(pod('b'), 'Normal', 'R', 'm');
    await settle();
    let done = false;
    const stopping = broadcaster.shutdown({ timeoutMs: 5000 }).then(() => {
      done = true;
    });
    await clock.advance(4999);
    expect(done).toBe(false);
    await clock.advance(1);
    await stopping;
    expect(sink.hungSignals[0]?.aborted).toBe(true);
    expect(broadcaster.stats).toMatchObject({ written: 0, dropped: 2 });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('writes pending events when start’s signal aborts, then stops', async () => {
    const { sink, recorder, broadcaster, stop, loop, clock } = setup();
    for (let i = 0; i < 3; i++) recorder.event(pod('a'), 'Warning', 'BackOff', 'm');
    recorder.event(pod('b'), 'Normal', 'R', 'm');
    stop.abort();
    recorder.event(pod('c'), 'Normal', 'R', 'm'); // too late: dropped and counted
    await loop;
    expect(sink.events().map((e) => [e.regarding.name, e.count])).toEqual([
      ['a', 3],
      ['b', 1],
    ]);
    expect(broadcaster.stats).toMatchObject({ emitted: 4, dropped: 1 });
    expect(clock.pendingTimers()).toBe(0);
    await broadcaster.shutdown(); // nothing left to do
  });

  it('after start’s signal aborts, gives pending writes drainTimeoutMs, then drops and counts them', async () => {
    const sink = new FakeSink();
    sink.hang = true;
    const { recorder, broadcaster, stop, loop, clock } = setup({ sink, drainTimeoutMs: 3000 });
    recorder.event(pod('a'), 'Normal', 'R', 'm');
    await settle();
    recorder.event(pod('b'), 'Normal', 'R', 'm');
    stop.abort();
    let stopped = false;
    void loop.then(() => {
      stopped = true;
    });
    await clock.advance(2999);
    expect(stopped).toBe(false);
    await clock.advance(1);
    await loop;
    expect(sink.hungSignals[0]?.aborted).toBe(true);
    expect(broadcaster.stats).toMatchObject({ written: 0, dropped: 2 });
    expect(clock.pendingTimers()).toBe(0);
    recorder.event(pod('c'), 'Normal', 'R', 'm');
    expect(broadcaster.stats.dropped).toBe(3);
  });

  it('a signal aborted before start still writes what was recorded', async () => {
    const sink = new FakeSink();
    const broadcaster = new EventBroadcaster({ sink, component: 'c', instance: 'h', clock: new FakeClock() });
    broadcaster.newRecorder().event(pod('a'), 'Normal', 'R', 'm');
    await broadcaster.start(AbortSignal.abort());
    expect(sink.events()).toHaveLength(1);
  });

  it('flush resolves as soon as the queue holds only writes a retry already carried', async () => {
    const sink = new FakeSink('v1');
    sink.failures.push(apiError(500, 'InternalError'));
    const { recorder, broadcaster, clock } = setup({ sink });
    recorder.event(pod('a'), 'Normal', 'R', 'm');
    await settle(); // first try failed; waiting 5 s to retry
    recorder.event(pod('a'), 'Normal', 'R', 'm'); // queued; the retry will carry it
    let flushed: boolean | undefined;
    void broadcaster.flush({ timeoutMs: 60_000 }).then((r) => {
      flushed = r;
    });
    await clock.advance(5_000);
    expect(flushed).toBe(true);
    expect(sink.calls.map((c) => [c.op, c.event.count])).toEqual([
      ['create', 1],
      ['create', 2],
    ]);
  });

  it('a second shutdown waits for the first one’s flush instead of cutting it short', async () => {
    const sink = new FakeSink();
    sink.failures.push(apiError(500, 'InternalError'));
    const { recorder, broadcaster, clock } = setup({ sink });
    recorder.event(pod('a'), 'Normal', 'R', 'm');
    await settle();
    const first = broadcaster.shutdown({ timeoutMs: 20_000 });
    const second = broadcaster.shutdown({ timeoutMs: 1 });
    await clock.advance(5_000); // the retry wait
    await Promise.all([first, second]);
    expect(sink.events()).toHaveLength(1);
  });

  it('names an object without kind in the error', () => {
    const { recorder, errors } = setup();
    recorder.event({ metadata: { name: 'web-0', namespace: 'ns1' } }, 'Normal', 'R', 'm');
    expect(errors[0]?.event.object).toBe('? ns1/web-0');
  });

  it('events recorded before start wait in the queue', async () => {
    const sink = new FakeSink();
    const broadcaster = new EventBroadcaster({ sink, component: 'c', instance: 'h', clock: new FakeClock() });
    broadcaster.newRecorder().event(pod('a'), 'Normal', 'R', 'm');
    expect(broadcaster.pending).toBe(1);
    const loop = broadcaster.start();
    await broadcaster.shutdown();
    await loop;
    expect(sink.events()).toHaveLength(1);
  });
});

describe('FakeEventRecorder', () => {
  it('keeps every call in order', () => {
    const r = new FakeEventRecorder();
    r.event(pod('a'), 'Normal', 'Created', 'made it', { action: 'Create' });
    r.eventf(pod('a'), 'Warning', 'Failed', 'tried %d times', 3);
    expect(r.lines()).toEqual(['Normal Created made it', 'Warning Failed tried 3 times']);
    expect(r.events[0]?.options).toEqual({ action: 'Create' });
    r.clear();
    expect(r.events).toEqual([]);
  });
});
