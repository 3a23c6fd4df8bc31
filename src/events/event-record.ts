import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import type { EventType } from './types.js';

/**
 * One validated occurrence as a recorder hands it to the broadcaster: everything an Event says,
 * independent of which API it will be written to.
 */
export interface EventRecord {
  readonly regarding: ObjectReference;
  readonly related?: ObjectReference;
  readonly type: EventType;
  readonly reason: string;
  readonly action: string;
  /** The message, already cut to the API's limit. */
  readonly note: string;
  readonly reportingController: string;
  readonly reportingInstance: string;
}

/**
 * The state of one Event object as a sink writes it: the record plus its name, namespace and
 * how often it occurred. `count` 1 is a single event; from 2 on it is a series (events.k8s.io
 * `series.count`, core `count`).
 */
export interface EventWrite extends EventRecord {
  readonly name: string;
  readonly namespace: string;
  readonly count: number;
  /** First occurrence (events.k8s.io `eventTime`, core `firstTimestamp`). */
  readonly firstTime: Date;
  /** Latest occurrence (events.k8s.io `series.lastObservedTime`, core `lastTimestamp`). */
  readonly lastTime: Date;
}
