import { LRUCache } from 'lru-cache';
import type { Clock } from '../common/clock.js';
import { COMBINED_PREFIX, EventAggregator, type EventAggregatorOptions } from './aggregator.js';
import { aggregateKey, eventKey, localKey, spamKey } from './event-keys.js';
import type { EventNamer } from './event-name.js';
import type { EventRecord } from './event-record.js';
import { EventSeries } from './event-series.js';
import { SpamFilter, type SpamFilterOptions } from './spam-filter.js';
import { truncateNote } from './validation.js';

/** Settings of an {@link EventCorrelator}; every field has client-go's default. */
export interface CorrelatorOptions {
  /** Entries of each cache (series, aggregation groups, spam buckets); default 4096. */
  cacheSize?: number;
  aggregation?: Omit<EventAggregatorOptions, 'cacheSize'>;
  spam?: Omit<SpamFilterOptions, 'cacheSize'>;
}

/**
 * How an occurrence is to be written:
 * - `write`: queue a write of the series now;
 * - `pending`: a write of the series is already queued and will carry this occurrence;
 * - `deferred`: the Event is already a series on the server; the new count is written by the
 *   next heartbeat, when the series goes quiet, or on flush (events.k8s.io semantics);
 * - `spam`: the spam filter refused the write; the count is kept and written with a later one.
 */
export type CorrelationOutcome = 'write' | 'pending' | 'deferred' | 'spam';

/** The result of {@link EventCorrelator.correlate}. */
export interface Correlation {
  readonly series: EventSeries;
  readonly outcome: CorrelationOutcome;
  /** True when the occurrence was folded into the group's combined event. */
  readonly combined: boolean;
}

/**
 * Decides what each occurrence does to the API, like client-go's EventCorrelator: similar events
 * are aggregated, identical ones counted on one Event (a series), and a per-source-and-object
 * token bucket caps the writes. Every cache is a bounded LRU.
 *
 * Two write policies, one per API: with `seriesMode` (events.k8s.io/v1, as client-go's
 * tools/events) the first occurrence creates the Event and the second turns it into a series at
 * once, later ones only update the local count, written periodically (see
 * {@link EventCorrelator.dirtySeries}); without it (core/v1, as tools/record) every occurrence
 * writes its count, limited by the spam filter.
 */
export class EventCorrelator {
  private readonly aggregator: EventAggregator;
  private readonly spam: SpamFilter;
  private readonly log: LRUCache<string, EventSeries>;

  constructor(
    private readonly clock: Clock,
    private readonly namer: EventNamer,
    options: CorrelatorOptions = {},
    /** Called with a series the cache forgets while the server lacks its latest count. */
    private readonly onEvictDirty: (series: EventSeries) => void = () => {},
  ) {
    const cacheSize = options.cacheSize ?? 4096;
    this.aggregator = new EventAggregator(clock, { ...options.aggregation, cacheSize });
    this.spam = new SpamFilter(clock, { ...options.spam, cacheSize });
    this.log = new LRUCache({
      max: cacheSize,
      dispose: (series, _key, reason) => {
        if (reason === 'evict' && series.dirty) this.onEvictDirty(series);
      },
    });
  }

  /** Series currently remembered. */
  get size(): number {
    return this.log.size;
  }

  /** Correlates one occurrence; see {@link CorrelationOutcome}. */
  correlate(record: EventRecord, seriesMode: boolean): Correlation {
    const now = this.clock.now();
    const wall = this.clock.wallNow();
    const group = aggregateKey(record);
    const combined = this.aggregator.observe(group, localKey(record));
    let key: string;
    let effective: EventRecord;
    if (combined) {
      // The combined event is about the group, not one related object or message.
      const { related: _related, ...rest } = record;
      effective = { ...rest, note: truncateNote(COMBINED_PREFIX + record.note) };
      key = `${group}\u0000(combined)`;
    } else {
      effective = record;
      key = eventKey(record);
    }

    let series = this.log.get(key);
    if (series === undefined) {
      const namespace = record.regarding.namespace || 'default';
      const name = this.namer.next(record.regarding.name ?? '', wall.getTime());
      series = new EventSeries(effective, name, namespace, wall, now);
      this.log.set(key, series);
    } else {
      series.count++;
      series.lastTime = wall;
      series.lastSeen = now;
      if (combined) series.note = effective.note;
    }

    let outcome: CorrelationOutcome;
    if (series.queued) outcome = 'pending';
    else if (seriesMode && series.written >= 2) outcome = 'deferred';
    else if (!this.spam.tryAccept(spamKey(record))) outcome = 'spam';
    else outcome = 'write';
    return { series, outcome, combined };
  }

  /** Every remembered series whose latest count the server has not seen and no queued write carries. */
  dirtySeries(): EventSeries[] {
    const out: EventSeries[] = [];
    for (const series of this.log.values()) if (series.dirty) out.push(series);
    return out;
  }

  /**
   * Forgets series quiet for at least `idleMs` (the next identical event starts a new Event, as
   * in client-go's tools/events) and returns those of them that still need their final count
   * written.
   */
  finishIdle(idleMs: number): EventSeries[] {
    const now = this.clock.now();
    const finished: EventSeries[] = [];
    const quiet: string[] = [];
    for (const [key, series] of this.log.entries()) {
      if (now - series.lastSeen < idleMs) continue;
      quiet.push(key);
      if (series.dirty) finished.push(series);
    }
    for (const key of quiet) this.log.delete(key);
    return finished;
  }
}
