import type { Logger } from '../common/logger.js';

/** What to reconcile: one object by namespace and name (namespace `''` for cluster-scoped). */
export interface Request {
  readonly namespace: string;
  readonly name: string;
}

/**
 * What a reconcile asks for next. Returning nothing (or `{}`) means done: the key's backoff is
 * forgotten until the next change. `requeueAfterMs` reconciles again after that delay (and
 * forgets the backoff); `requeue: true` retries with the rate limiter's growing backoff.
 */
export interface Result {
  requeue?: boolean;
  requeueAfterMs?: number;
}

/** What a reconcile is given besides the request. */
export interface ReconcileContext {
  /** Aborts when the controller stops or the per-reconcile timeout passes; pass it to API calls. */
  readonly signal: AbortSignal;
  /** A logger with the controller name and the request's key in every line. */
  readonly logger: Logger;
}

/**
 * The function users write: make the world match the object named by `request`. It must be
 * idempotent (it can run any number of times for the same state) and level-based (read the
 * current state from listers, not from which event triggered it). Throwing an error retries with
 * backoff; throwing a `TerminalError` (from kubekit/workqueue) does not retry.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: lets a reconcile be an async function that returns nothing
export type Reconciler = (request: Request, context: ReconcileContext) => Promise<Result | undefined | void>;

/** `namespace/name`, or `name` for cluster-scoped requests: the work queue key. */
export function requestKey(request: Request): string {
  return request.namespace ? `${request.namespace}/${request.name}` : request.name;
}

/** The inverse of {@link requestKey}. */
export function requestFromKey(key: string): Request {
  const slash = key.indexOf('/');
  return slash === -1
    ? { namespace: '', name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
