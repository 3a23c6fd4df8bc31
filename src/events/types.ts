import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../client/resource-type.js';

export type { ObjectReference };

/** The two event types the API accepts. */
export type EventType = 'Normal' | 'Warning';

/** The API an event is written to: `events.k8s.io/v1` (the new Events API) or core `v1`. */
export type EventApiVersion = 'events.k8s.io/v1' | 'v1';

/**
 * What an event is about: an object as read from the API (its `kind` and `apiVersion` must be
 * set, or the recorder must be given a `defaultType`) or a ready-made reference.
 */
export type EventSubject = KubeObject | ObjectReference;

/** Per-call options of {@link EventRecorder.event}. */
export interface EventOptions {
  /**
   * What was done or failed (events.k8s.io `action`, at most 128 characters), e.g. `Scheduling`,
   * `Binding`. Defaults to the recorder's `action`, else to the reason.
   */
  action?: string;
  /** A second object the event is about (events.k8s.io `related`), e.g. the node a pod went to. */
  related?: EventSubject;
}

/**
 * Records events about objects. Calls return synchronously in O(1): they never throw, never
 * wait for the API and never block, whatever state the API server is in. An event that cannot
 * be recorded (invalid type or reason, object without kind or name, queue full, recorder shut
 * down) is dropped, counted in the broadcaster's stats and metrics, and — when invalid —
 * reported through the broadcaster's `onError`.
 */
export interface EventRecorder {
  /**
   * Records that `reason` happened to `object`. `reason` is a short UpperCamelCase machine
   * word (at most 128 characters); `message` is for humans (cut to 1024 bytes).
   */
  event(object: EventSubject, type: EventType, reason: string, message: string, options?: EventOptions): void;
  /** Like {@link event} with the message built by `util.format(format, ...args)`. */
  eventf(object: EventSubject, type: EventType, reason: string, format: string, ...args: unknown[]): void;
}
