import type { Status } from 'kubernetes-types/meta/v1.js';

/**
 * The API server answered with an error. `status` is the server's `Status` object (or one
 * synthesized from the HTTP code when the body was not a Status, e.g. from a proxy), so callers
 * can branch on `reason`, `details` and `causes` exactly as they would in Go.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  /** HTTP status code (`status.code`), e.g. 404, 409, 410, 429. */
  readonly code: number;
  /** Machine-readable reason, e.g. `NotFound`, `Conflict`, `Expired`, `TooManyRequests`. */
  readonly reason: string;
  /** Seconds the server asked us to wait (`Retry-After` header or `details.retryAfterSeconds`). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly status: Status,
    readonly request?: { method: string; path: string },
  ) {
    const code = status.code ?? 0;
    super(
      `${request ? `${request.method} ${request.path}: ` : ''}${status.message || status.reason || `HTTP ${code}`}`,
    );
    this.code = code;
    this.reason = status.reason ?? reasonForCode(code);
    this.retryAfterSeconds = status.details?.retryAfterSeconds;
  }
}

/**
 * The request never got an answer from the API server: connection refused or reset, TLS
 * failure, DNS, a timeout, or a watch stream cut in the middle of an event. The original error
 * is the `cause`. Never an {@link ApiError}, so callers can tell "the server said no" from "we
 * could not ask".
 */
export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    message: string,
    options?: { cause?: unknown },
    /** Code of the underlying error when it had one (ECONNREFUSED, UND_ERR_BODY_TIMEOUT, …). */
    readonly code?: string,
  ) {
    super(message, options);
  }
}

/** Maps an HTTP code to the reason apimachinery would give it when the body carries none. */
export function reasonForCode(code: number): string {
  switch (code) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 405:
      return 'MethodNotAllowed';
    case 406:
      return 'NotAcceptable';
    case 409:
      return 'Conflict';
    case 410:
      return 'Expired';
    case 413:
      return 'RequestEntityTooLarge';
    case 415:
      return 'UnsupportedMediaType';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 500:
      return 'InternalError';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return code >= 500 ? 'InternalError' : 'Unknown';
  }
}

/**
 * Builds the {@link ApiError} for an error response: the body's `Status` when it is one,
 * otherwise a Status synthesized from the code and the start of the body. A `Retry-After`
 * header in seconds fills `details.retryAfterSeconds` when the body did not.
 */
export function apiErrorFromResponse(
  code: number,
  bodyText: string,
  retryAfterHeader: string | undefined,
  request?: { method: string; path: string },
): ApiError {
  let status: Status | undefined;
  try {
    const parsed = JSON.parse(bodyText) as Status;
    if (parsed && typeof parsed === 'object' && parsed.kind === 'Status') status = parsed;
  } catch {
    // not JSON: synthesized below
  }
  if (!status) {
    const snippet = bodyText.trim().slice(0, 200);
    status = {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code,
      reason: reasonForCode(code),
      message: snippet
        ? `the server responded with HTTP ${code}: ${snippet}`
        : `the server responded with HTTP ${code} and no body`,
    };
  }
  if (status.code === undefined || status.code === 0) status = { ...status, code };
  const retryAfter = parseRetryAfter(retryAfterHeader);
  if (retryAfter !== undefined && status.details?.retryAfterSeconds === undefined) {
    status = { ...status, details: { ...status.details, retryAfterSeconds: retryAfter } };
  }
  return new ApiError(status, request);
}

/** Parses a `Retry-After` header given in whole seconds (the form kube-apiserver sends). */
export function parseRetryAfter(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const seconds = Number(header.trim());
  return Number.isInteger(seconds) && seconds >= 0 ? seconds : undefined;
}

function hasReason(err: unknown, reason: string, code: number): boolean {
  if (!(err instanceof ApiError)) return false;
  // Reason decides when the server gave one; old servers and proxies only give the code.
  return err.reason === reason || (err.status.reason === undefined && err.code === code);
}

/** The object does not exist (404 NotFound). */
export const isNotFound = (err: unknown): boolean => hasReason(err, 'NotFound', 404);
/** A write lost an optimistic-concurrency race (409 Conflict); re-read and retry. */
export const isConflict = (err: unknown): boolean => hasReason(err, 'Conflict', 409);
/** A create found the name taken (409 AlreadyExists). */
export const isAlreadyExists = (err: unknown): boolean =>
  err instanceof ApiError && err.reason === 'AlreadyExists';
/**
 * The requested resourceVersion is gone (410, reason `Expired` or `Gone`, also sent as a watch
 * ERROR event): relist.
 */
export const isGone = (err: unknown): boolean =>
  err instanceof ApiError && (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone');
/** The user may not do this (403 Forbidden). */
export const isForbidden = (err: unknown): boolean => hasReason(err, 'Forbidden', 403);
/** The credentials were not accepted (401 Unauthorized). */
export const isUnauthorized = (err: unknown): boolean => hasReason(err, 'Unauthorized', 401);
/** The server is shedding load (429 TooManyRequests); `retryAfterSeconds` says when to return. */
export const isTooManyRequests = (err: unknown): boolean => hasReason(err, 'TooManyRequests', 429);
/** The object failed validation (422 Invalid); `status.details.causes` lists the fields. */
export const isInvalid = (err: unknown): boolean => hasReason(err, 'Invalid', 422);
/**
 * The request's resourceVersion is newer than the server has seen ("Too large resource
 * version", 504 Timeout with cause `ResourceVersionTooLarge`): list again with RV "".
 */
export const isResourceVersionTooLarge = (err: unknown): boolean =>
  err instanceof ApiError &&
  (err.status.details?.causes?.some((c) => c.reason === 'ResourceVersionTooLarge') ||
    /too large resource version/i.test(err.status.message ?? ''));
