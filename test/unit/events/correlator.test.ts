import { describe, expect, it } from 'vitest';
import { COMBINED_PREFIX, EventAggregator } from '../../../src/events/aggregator.js';
import { EventCorrelator } from '../../../src/events/correlator.js';
import { EventNamer } from '../../../src/events/event-name.js';
import type { EventRecord } from '../../../src/events/event-record.js';
import { SpamFilter } from '../../../src/events/spam-filter.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';

function record(overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    regarding: { apiVersion: 'v1', kind: 'Pod', namespace: 'ns1', name: 'web-0', uid: 'u1' },
    type: 'Warning',
    reason: 'BackOff',
    action: 'Restarting',
    note: 'back-off restarting failed container',
    reportingController: 'kubelet',
    reportingInstance: 'node-1',
    ...overrides,
  };
}

const MIN = 60_000;

describe('EventCorrelator', () => {
  it('counts identical events on one series with one name and the first time', () => {
    const clock = new FakeClock();
    const c = new EventCorrelator(clock, new EventNamer());
    const first = c.correlate(record(), false);
    clock.step(1000);
    const second = c.correlate(record(), false);
    expect(second.series).toBe(first.series);
    expect(second.series.count).toBe(2);
    expect(second.series.firstTime.getTime()).toBe(clock.wallNow().getTime() - 1000);
    expect(second.series.lastTime.getTime()).toBe(clock.wallNow().getTime());
    expect(second.series.name).toMatch(/^web-0\.[0-9a-f]{16}$/);
    expect(second.series.namespace).toBe('ns1');
  });

  it('keeps events apart that differ in type, reason, action, object, related or source', () => {
    const c = new EventCorrelator(new FakeClock(), new EventNamer());
    const base = c.correlate(record(), false).series;
    const variants: Partial<EventRecord>[] = [
      { type: 'Normal' },
      { reason: 'Other' },
      { action: 'Other' },
      { regarding: { apiVersion: 'v1', kind: 'Pod', namespace: 'ns1', name: 'web-1', uid: 'u2' } },
      { related: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } },
      { reportingController: 'other' },
      { reportingInstance: 'node-2' },
    ];
    for (const v of variants) expect(c.correlate(record(v), false).series).not.toBe(base);
  });

  it('ignores the resourceVersion of the object (it changes with every update)', () => {
    const c = new EventCorrelator(new FakeClock(), new EventNamer());
    const a = c.correlate(record({ regarding: { ...record().regarding, resourceVersion: '1' } }), false);
    const b = c.correlate(record({ regarding: { ...record().regarding, resourceVersion: '2' } }), false);
    expect(b.series).toBe(a.series);
    expect(b.series.count).toBe(2);
    // The Event keeps referring to the version the first occurrence saw.
    expect(b.series.regarding.resourceVersion).toBe('1');
  });

  it('writes cluster-scoped objects’ events to the default namespace', () => {
    const c = new EventCorrelator(new FakeClock(), new EventNamer());
    const r = c.correlate(record({ regarding: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } }), false);
    expect(r.series.namespace).toBe('default');
  });

  it('core mode: every occurrence asks for a write while none is queued', () => {
    const c = new EventCorrelator(new FakeClock(), new EventNamer());
    expect(c.correlate(record(), false).outcome).toBe('write');
    const second = c.correlate(record(), false);
    expect(second.outcome).toBe('write');
    second.series.queued = true;
    expect(c.correlate(record(), false).outcome).toBe('pending');
    second.series.queued = false;
    second.series.written = 3;
    expect(c.correlate(record(), false).outcome).toBe('write');
  });

  it('series mode: create, then the series at once, then only local counts', () => {
    const c = new EventCorrelator(new FakeClock(), new EventNamer());
    const first = c.correlate(record(), true);
    expect(first.outcome).toBe('write');
    first.series.written = 1;
    expect(c.correlate(record(), true).outcome).toBe('write');
    first.series.written = 2;
    const third = c.correlate(record(), true);
    expect(third.outcome).toBe('deferred');
    expect(third.series.count).toBe(3);
    expect(c.dirtySeries()).toEqual([first.series]);
  });

  it('aggregates the 10th distinct message of a group within 10 minutes, as client-go', () => {
    const clock = new FakeClock();
    const c = new EventCorrelator(clock, new EventNamer());
    const individual = new Set();
    for (let i = 1; i <= 9; i++) {
      const r = c.correlate(record({ note: `message ${i}` }), false);
      expect(r.combined).toBe(false);
      individual.add(r.series);
      clock.step(10_000);
    }
    expect(individual.size).toBe(9);
    const tenth = c.correlate(record({ note: 'message 10' }), false);
    expect(tenth.combined).toBe(true);
    expect(tenth.series.note).toBe(`${COMBINED_PREFIX}message 10`);
    expect(individual.has(tenth.series)).toBe(false);
    const eleventh = c.correlate(record({ note: 'message 11' }), false);
    expect(eleventh.series).toBe(tenth.series);
    expect(eleventh.series.count).toBe(2);
    expect(eleventh.series.note).toBe(`${COMBINED_PREFIX}message 11`);
    // A repeat of an individual message still counts on its own event.
    const repeat = c.correlate(record({ note: 'message 3' }), false);
    expect(repeat.combined).toBe(false);
    expect(repeat.series.count).toBe(2);
  });

  it('drops the related object from a combined event', () => {
    const c = new EventCorrelator(new FakeClock(), new EventNamer());
    let last = c.correlate(record({ note: 'm0' }), false);
    for (let i = 1; i < 10; i++) {
      last = c.correlate(record({ note: `m${i}`, related: { kind: 'Node', name: `n${i}` } }), false);
    }
    expect(last.combined).toBe(true);
    expect(last.series.related).toBeUndefined();
  });

  it('starts aggregation over after 10 quiet minutes', () => {
    const clock = new FakeClock();
    const c = new EventCorrelator(clock, new EventNamer());
    for (let i = 1; i <= 9; i++) c.correlate(record({ note: `m${i}` }), false);
    clock.step(10 * MIN + 1);
    expect(c.correlate(record({ note: 'm10' }), false).combined).toBe(false);
  });

  it('the spam filter lets 25 writes about one object through, then one every 5 minutes', () => {
    const clock = new FakeClock();
    const c = new EventCorrelator(clock, new EventNamer());
    const outcomes: string[] = [];
    // Distinct reasons: neither counted nor aggregated, so every one is a new Event.
    for (let i = 0; i < 30; i++) outcomes.push(c.correlate(record({ reason: `R${i}` }), false).outcome);
    expect(outcomes.filter((o) => o === 'write')).toHaveLength(25);
    expect(outcomes.slice(25)).toEqual(['spam', 'spam', 'spam', 'spam', 'spam']);
    // Another object has its own budget.
    const other = { apiVersion: 'v1', kind: 'Pod', namespace: 'ns1', name: 'web-9', uid: 'u9' };
    expect(c.correlate(record({ regarding: other }), false).outcome).toBe('write');
    clock.step(5 * MIN - 1);
    expect(c.correlate(record({ reason: 'Later1' }), false).outcome).toBe('spam');
    clock.step(1);
    expect(c.correlate(record({ reason: 'Later2' }), false).outcome).toBe('write');
    expect(c.correlate(record({ reason: 'Later3' }), false).outcome).toBe('spam');
  });

  it('a spam-filtered occurrence keeps its count for the next write', () => {
    const c = new EventCorrelator(new FakeClock(), new EventNamer(), { spam: { burst: 1 } });
    const first = c.correlate(record(), false);
    first.series.written = 1;
    const second = c.correlate(record(), false);
    expect(second.outcome).toBe('spam');
    expect(second.series.count).toBe(2);
    expect(second.series.dirty).toBe(true);
  });

  it('finishes quiet series: forgets them and returns those still to be written', () => {
    const clock = new FakeClock();
    const c = new EventCorrelator(clock, new EventNamer());
    const a = c.correlate(record({ reason: 'A' }), true).series;
    c.correlate(record({ reason: 'A' }), true);
    a.written = 2; // the server has count 2 ...
    c.correlate(record({ reason: 'A' }), true); // ... and the third occurrence is only local
    const b = c.correlate(record({ reason: 'B' }), true).series;
    b.written = 1;
    clock.step(6 * MIN);
    const fresh = c.correlate(record({ reason: 'C' }), true).series;
    expect(c.finishIdle(6 * MIN)).toEqual([a]);
    expect(c.size).toBe(1);
    // The next identical event starts a new Event.
    const again = c.correlate(record({ reason: 'A' }), true).series;
    expect(again).not.toBe(a);
    expect(again.name).not.toBe(a.name);
    expect(c.finishIdle(6 * MIN)).toEqual([]);
    expect(fresh.count).toBe(1);
  });

  it('hands a dirty series the cache forgets to the caller, so its count is still written', () => {
    const evicted: unknown[] = [];
    const c = new EventCorrelator(new FakeClock(), new EventNamer(), { cacheSize: 2 }, (s) =>
      evicted.push(s),
    );
    const a = c.correlate(record({ reason: 'A' }), true).series;
    c.correlate(record({ reason: 'A' }), true);
    a.written = 2;
    c.correlate(record({ reason: 'A' }), true);
    c.correlate(record({ reason: 'B' }), true);
    c.correlate(record({ reason: 'C' }), true);
    expect(evicted).toEqual([a]);
  });
});

describe('EventAggregator', () => {
  it('never grows a group past maxSimilar - 1 remembered messages', () => {
    const agg = new EventAggregator(new FakeClock(), { maxSimilar: 3 });
    expect(agg.observe('g', 'a')).toBe(false);
    expect(agg.observe('g', 'b')).toBe(false);
    expect(agg.observe('g', 'c')).toBe(true);
    expect(agg.observe('g', 'd')).toBe(true);
    expect(agg.observe('g', 'a')).toBe(false);
    expect(agg.observe('h', 'c')).toBe(false);
  });
});

describe('SpamFilter', () => {
  it('refills continuously at qps up to burst', () => {
    const clock = new FakeClock();
    const f = new SpamFilter(clock, { burst: 2, qps: 1 });
    expect([f.tryAccept('k'), f.tryAccept('k'), f.tryAccept('k')]).toEqual([true, true, false]);
    clock.step(500);
    expect(f.tryAccept('k')).toBe(false);
    clock.step(500);
    expect(f.tryAccept('k')).toBe(true);
    clock.step(60_000);
    expect([f.tryAccept('k'), f.tryAccept('k'), f.tryAccept('k')]).toEqual([true, true, false]);
  });

  it('forgets the least recently used keys (bounded memory), which start full again', () => {
    const f = new SpamFilter(new FakeClock(), { burst: 1, cacheSize: 2 });
    expect(f.tryAccept('a')).toBe(true);
    expect(f.tryAccept('a')).toBe(false);
    f.tryAccept('b');
    f.tryAccept('c');
    expect(f.tryAccept('a')).toBe(true);
  });
});
