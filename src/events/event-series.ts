import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import type { EventRecord, EventWrite } from './event-record.js';
import type { EventType } from './types.js';

/**
 * The local state of one Event object: what it says, how often it occurred, and how much of
 * that the server has seen. Mutable, owned by the correlator and the sink loop (one thread, so
 * no locking); sinks only ever see {@link EventSeries.snapshot}s.
 */
export class EventSeries {
  readonly regarding: ObjectReference;
  readonly related?: ObjectReference;
  readonly type: EventType;
  readonly reason: string;
  readonly action: string;
  readonly reportingController: string;
  readonly reportingInstance: string;
  /** Changes only for combined events, whose message is the latest similar one. */
  note: string;
  count = 1;
  lastTime: Date;
  /** Monotonic time of the latest occurrence. */
  lastSeen: number;
  /** The count the server last acknowledged; 0 while the Event does not exist there (as far as we know). */
  written = 0;
  /** True while a write of this series waits in the queue (further occurrences ride along). */
  queued = false;

  constructor(
    record: EventRecord,
    readonly name: string,
    readonly namespace: string,
    readonly firstTime: Date,
    now: number,
  ) {
    this.regarding = record.regarding;
    if (record.related) this.related = record.related;
    this.type = record.type;
    this.reason = record.reason;
    this.action = record.action;
    this.note = record.note;
    this.reportingController = record.reportingController;
    this.reportingInstance = record.reportingInstance;
    this.lastTime = firstTime;
    this.lastSeen = now;
  }

  /** Whether the server has the Event but not its latest count, and no write is queued for it. */
  get dirty(): boolean {
    return this.written > 0 && this.count > this.written && !this.queued;
  }

  /** An immutable copy of the current state for a sink to write. */
  snapshot(): EventWrite {
    return Object.freeze({
      name: this.name,
      namespace: this.namespace,
      regarding: this.regarding,
      ...(this.related ? { related: this.related } : {}),
      type: this.type,
      reason: this.reason,
      action: this.action,
      note: this.note,
      reportingController: this.reportingController,
      reportingInstance: this.reportingInstance,
      count: this.count,
      firstTime: this.firstTime,
      lastTime: this.lastTime,
    });
  }
}
