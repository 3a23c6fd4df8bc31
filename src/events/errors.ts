/** Why an event was not (fully) recorded; see {@link EventError}. */
export type EventErrorReason =
  /** The call itself was wrong: bad type, empty or long reason, object without kind or name. */
  | 'Invalid'
  /** The API refused the write (e.g. RBAC 403, validation 422) or it kept failing until the retry limit. */
  | 'WriteFailed';

/**
 * Reported through the broadcaster's `onError` (never thrown from `event()`): an event that was
 * invalid or could not be written. `cause` holds the underlying error, e.g. an `ApiError` 403
 * when the component may not create events (test it with `isForbidden(err.cause)`).
 */
export class EventError extends Error {
  override name = 'EventError';

  constructor(
    readonly reason: EventErrorReason,
    message: string,
    /** A short description of the event: object, type, reason. */
    readonly event: { object: string; type: string; reason: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
