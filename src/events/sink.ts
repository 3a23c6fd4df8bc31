import type { EventWrite } from './event-record.js';
import type { EventApiVersion } from './types.js';

/**
 * Where a broadcaster writes Events. {@link KubeEventSink} writes to the API server; tests pass
 * their own. Calls are made one at a time. Rejections are classified by the broadcaster: an
 * `ApiError` with a 4xx code other than 429 is final, anything else is retried.
 */
export interface EventSink {
  /**
   * The API written to, which decides the write policy (series heartbeat for events.k8s.io/v1,
   * a write per occurrence for core v1); undefined while not yet known, treated as events.k8s.io/v1.
   */
  readonly apiVersion?: EventApiVersion | undefined;
  /** Creates the Event `event.name` in `event.namespace`. */
  create(event: EventWrite, signal: AbortSignal): Promise<void>;
  /**
   * Brings the existing Event `event.name` to `event.count` and `event.lastTime` (core v1 also
   * the message); rejects with an `ApiError` 404 when the Event no longer exists.
   */
  update(event: EventWrite, signal: AbortSignal): Promise<void>;
}
