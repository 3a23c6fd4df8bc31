import { randomInt } from 'node:crypto';
import { isDnsSubdomain } from './validation.js';

// `.` + 16 hex digits; the object-name part is cut so the whole name fits in 253 characters.
const SUFFIX_LENGTH = 17;
const MAX_NAME_LENGTH = 253;

/**
 * Makes event names `<object name>.<16 hex digits>` as client-go does, from the wall time in
 * nanoseconds. Unlike client-go, names are unique within a process even when many events are
 * made in one millisecond (the sub-millisecond digits are a counter from a random start, which
 * also keeps two processes apart), and the object-name part is made a valid DNS subdomain of
 * legal length (objects such as `system:controller:foo` ClusterRoles have names events cannot).
 */
export class EventNamer {
  private seq = randomInt(1_000_000);

  /** A fresh name for an event about the object called `objectName`, made at wall time `wallMs`. */
  next(objectName: string, wallMs: number): string {
    this.seq = (this.seq + 1) % 1_000_000;
    const nanos = BigInt(Math.max(0, Math.floor(wallMs))) * 1_000_000n + BigInt(this.seq);
    return `${namePrefix(objectName)}.${nanos.toString(16).padStart(16, '0')}`;
  }
}

/** `objectName` as the first part of an event name: unchanged when valid, else sanitised. */
export function namePrefix(objectName: string): string {
  const limit = MAX_NAME_LENGTH - SUFFIX_LENGTH;
  if (objectName.length <= limit && isDnsSubdomain(objectName)) return objectName;
  const cleaned = objectName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, limit)
    .replace(/^-+|-+$/g, '');
  return cleaned || 'event';
}
