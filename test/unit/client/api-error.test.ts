import { describe, expect, it } from 'vitest';
import {
  ApiError,
  apiErrorFromResponse,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isResourceVersionTooLarge,
  isTooManyRequests,
  isUnauthorized,
  parseRetryAfter,
  TransportError,
} from '../../../src/client/api-error.js';

const status = (code: number, reason: string, extra: object = {}) =>
  JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
    reason,
    message: `m-${reason}`,
    ...extra,
  });

describe('apiErrorFromResponse', () => {
  it('keeps the server Status, its reason, details and causes', () => {
    const err = apiErrorFromResponse(
      422,
      status(422, 'Invalid', {
        details: {
          name: 'x',
          kind: 'pods',
          causes: [{ field: 'metadata.name', reason: 'FieldValueInvalid' }],
        },
      }),
      undefined,
      { method: 'POST', path: '/api/v1/namespaces/d/pods' },
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.status.details?.causes?.[0]?.field).toBe('metadata.name');
    expect(err.message).toBe('POST /api/v1/namespaces/d/pods: m-Invalid');
    expect(isInvalid(err)).toBe(true);
    expect(isNotFound(err)).toBe(false);
  });

  it('synthesizes a Status from the code when the body is not one', () => {
    const err = apiErrorFromResponse(503, '<html>upstream down</html>', '7');
    expect(err.reason).toBe('ServiceUnavailable');
    expect(err.status.message).toContain('upstream down');
    expect(err.retryAfterSeconds).toBe(7);
  });

  it('prefers details.retryAfterSeconds from the body over the header', () => {
    const err = apiErrorFromResponse(
      429,
      status(429, 'TooManyRequests', { details: { retryAfterSeconds: 3 } }),
      '9',
    );
    expect(err.retryAfterSeconds).toBe(3);
    expect(isTooManyRequests(err)).toBe(true);
  });

  it('classifies every helper by reason, falling back to the code only when no reason was given', () => {
    const cases: [number, string, (e: unknown) => boolean][] = [
      [404, 'NotFound', isNotFound],
      [409, 'Conflict', isConflict],
      [409, 'AlreadyExists', isAlreadyExists],
      [410, 'Expired', isGone],
      [403, 'Forbidden', isForbidden],
      [401, 'Unauthorized', isUnauthorized],
      [429, 'TooManyRequests', isTooManyRequests],
      [422, 'Invalid', isInvalid],
    ];
    for (const [code, reason, check] of cases) {
      expect(check(apiErrorFromResponse(code, status(code, reason), undefined))).toBe(true);
    }
    // An AlreadyExists is a 409 but not a Conflict: callers must not retry it as one.
    expect(isConflict(apiErrorFromResponse(409, status(409, 'AlreadyExists'), undefined))).toBe(false);
    expect(isConflict(apiErrorFromResponse(409, '', undefined))).toBe(true);
    expect(isNotFound(new TransportError('x'))).toBe(false);
    expect(isNotFound(new Error('404'))).toBe(false);
  });

  it('recognizes "too large resource version" answers', () => {
    const err = apiErrorFromResponse(
      504,
      status(504, 'Timeout', {
        message: 'Too large resource version: 99, current: 10',
        details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] },
      }),
      undefined,
    );
    expect(isResourceVersionTooLarge(err)).toBe(true);
    expect(isResourceVersionTooLarge(apiErrorFromResponse(504, status(504, 'Timeout'), undefined))).toBe(
      false,
    );
  });

  it('parses Retry-After seconds and ignores dates and junk', () => {
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter(' 12 ')).toBe(12);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBeUndefined();
    expect(parseRetryAfter('-1')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
