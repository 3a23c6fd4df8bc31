/**
 * Thrown (or rejected) by a work handler to say that retrying cannot help — the object is
 * invalid, the operation is forbidden. {@link runWorkers} then forgets the item instead of
 * re-queueing it with backoff, and reports the error.
 */
export class TerminalError extends Error {
  override name = 'TerminalError';
}
