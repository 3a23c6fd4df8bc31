import { ApiError, isAlreadyExists, isNotFound } from '../client/api-error.js';
import { ConfigError } from '../common/errors.js';

export { isAlreadyExists, isNotFound };

/** Retry settings of a broadcaster's writes. */
export interface EventRetryOptions {
  /** Tries per write before it is dropped (default 12, as client-go). */
  maxTries?: number;
  /** Wait between tries in ms (default 10 000, as client-go). */
  intervalMs?: number;
}

/**
 * Whether a failed write is worth another try. As client-go: an answer from the server that
 * rejects the event itself (4xx: forbidden, invalid, namespace gone or terminating) is final;
 * throttling (429), server errors, timeouts and transport failures are retried. A
 * {@link ConfigError} (a request that cannot be built) is final too.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ConfigError) return false;
  if (err instanceof ApiError) return err.code === 429 || err.code >= 500 || err.code === 0;
  return true;
}

/** The API refused the write because the Event's namespace is being deleted. */
export function isNamespaceTerminating(err: unknown): boolean {
  return (
    err instanceof ApiError &&
    (err.status.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating')
  );
}

/**
 * The wait before try `failedTries + 1`, in ms. The first wait is uniformly random in
 * [0, interval] so that clients that failed together (an apiserver restart) do not retry
 * together (client-go's tools/record); later waits are the interval plus up to 25 % jitter
 * (client-go's tools/events).
 */
export function retryDelay(failedTries: number, intervalMs: number, random: () => number): number {
  return failedTries <= 1 ? intervalMs * random() : intervalMs * (1 + 0.25 * random());
}
