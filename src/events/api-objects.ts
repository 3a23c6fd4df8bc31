import type { Event as CoreEvent } from 'kubernetes-types/core/v1.js';
import type { Event as EventsV1Event } from 'kubernetes-types/events/v1.js';
import type { EventWrite } from './event-record.js';

/** `metav1.MicroTime` JSON: RFC 3339 with exactly six fractional digits, as the API parses it. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** `metav1.Time` JSON: RFC 3339 in whole seconds. */
export function wholeSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The events.k8s.io/v1 Event for `e`. A count above 1 becomes `series` (an Event re-created
 * after it expired on the server keeps its count, as client-go does).
 */
export function toEventsV1(e: EventWrite): EventsV1Event {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: e.name, namespace: e.namespace },
    eventTime: microTime(e.firstTime),
    ...(e.count > 1 ? { series: { count: e.count, lastObservedTime: microTime(e.lastTime) } } : {}),
    reportingController: e.reportingController,
    reportingInstance: e.reportingInstance,
    action: e.action,
    reason: e.reason,
    regarding: e.regarding,
    ...(e.related ? { related: e.related } : {}),
    note: e.note,
    type: e.type,
  };
}

/**
 * The JSON merge patch that brings an events.k8s.io/v1 Event to `e`'s count. Only `series`:
 * the API makes every other field of an Event immutable.
 */
export function eventsV1Patch(e: EventWrite): Pick<EventsV1Event, 'series'> {
  return { series: { count: e.count, lastObservedTime: microTime(e.lastTime) } };
}

/**
 * The core/v1 Event for `e`, as client-go's tools/record writes it: `involvedObject`,
 * `source.component/host`, first/last timestamps and `count`, and the reporting fields; no
 * `eventTime`, so the legacy validation rules apply.
 */
export function toCoreV1(e: EventWrite): CoreEvent {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: e.name, namespace: e.namespace },
    involvedObject: e.regarding,
    ...(e.related ? { related: e.related } : {}),
    reason: e.reason,
    message: e.note,
    type: e.type,
    action: e.action,
    source: { component: e.reportingController, host: e.reportingInstance },
    reportingComponent: e.reportingController,
    reportingInstance: e.reportingInstance,
    firstTimestamp: wholeSeconds(e.firstTime),
    lastTimestamp: wholeSeconds(e.lastTime),
    count: e.count,
  };
}

/** The JSON merge patch that brings a core/v1 Event to `e`'s count, time and (combined) message. */
export function coreV1Patch(e: EventWrite): Pick<CoreEvent, 'count' | 'lastTimestamp' | 'message'> {
  return { count: e.count, lastTimestamp: wholeSeconds(e.lastTime), message: e.note };
}
