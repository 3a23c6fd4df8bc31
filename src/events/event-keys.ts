import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import type { EventRecord } from './event-record.js';

// Fields are joined with NUL, which no field can contain, so two different events never share
// a key (client-go joins with "", where "ab"+"c" and "a"+"bc" collide).
const SEP = '\u0000';

function objectPart(ref: ObjectReference | undefined): string {
  if (!ref) return '';
  return [ref.apiVersion, ref.kind, ref.namespace, ref.name, ref.uid].join(SEP);
}

/**
 * Who reports about which object: the spam filter's key. The object is identified by apiVersion,
 * kind, namespace, name and uid — never by resourceVersion, which changes on every update.
 */
export function spamKey(r: EventRecord): string {
  return [r.reportingController, r.reportingInstance, objectPart(r.regarding)].join(SEP);
}

/**
 * The aggregation group: events that differ only in their message (and related object) are
 * "similar" and share this key.
 */
export function aggregateKey(r: EventRecord): string {
  return [spamKey(r), r.regarding.fieldPath ?? '', r.type, r.reason, r.action].join(SEP);
}

/** What makes one event differ from a similar one: its message and related object. */
export function localKey(r: EventRecord): string {
  return [r.note, objectPart(r.related)].join(SEP);
}

/** Identical events (same source, object, type, reason, action, message, related) share this key. */
export function eventKey(r: EventRecord): string {
  return `${aggregateKey(r)}${SEP}${localKey(r)}`;
}
