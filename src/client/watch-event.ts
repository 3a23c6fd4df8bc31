import { StringDecoder } from 'node:string_decoder';
import type { Status } from 'kubernetes-types/meta/v1.js';
import { ApiError, TransportError } from './api-error.js';

/** The event types a Kubernetes watch stream carries. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/**
 * One watch event. `BOOKMARK` objects carry only `metadata.resourceVersion` (and annotations
 * such as `k8s.io/initial-events-end`); ERROR events never reach the consumer: they end the
 * stream with an {@link ApiError} (410 Gone among them).
 */
export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}

/**
 * Largest watch event accepted (64 MiB). etcd stores objects of at most a few MiB, so a line
 * this long is a broken or hostile stream; buffering it further would only exhaust memory.
 */
export const defaultMaxEventBytes = 64 * 1024 * 1024;

/**
 * Decodes a watch response body (one JSON object per line) into events. Ends normally when the
 * server closes the stream cleanly; throws {@link ApiError} for an ERROR event and
 * {@link TransportError} when the stream breaks or ends in the middle of an event — an event
 * that was not received whole is never yielded, so the caller resumes from the last one it got.
 */
export async function* decodeWatchStream<T>(
  body: AsyncIterable<Buffer>,
  request: { method: string; path: string },
  maxEventBytes = defaultMaxEventBytes,
): AsyncGenerator<WatchEvent<T>, void, undefined> {
  // Each chunk is UTF-8-decoded once (StringDecoder holds back a character split between
  // chunks) and events are cut as slices of that text: one native call per chunk instead of a
  // Buffer view and a decode per event.
  const decoder = new StringDecoder('utf8');
  let carry = '';
  try {
    for await (const chunk of body) {
      const text = decoder.write(chunk);
      let start = 0;
      let nl = text.indexOf('\n');
      while (nl !== -1) {
        let line = text.slice(start, nl);
        if (carry.length > 0) {
          line = carry + line;
          carry = '';
        }
        const event = parseLine<T>(line, request);
        if (event) yield event;
        start = nl + 1;
        nl = text.indexOf('\n', start);
      }
      if (start < text.length) {
        carry += start === 0 ? text : text.slice(start);
        // Counted in UTF-16 units, which equal bytes for the ASCII JSON the apiserver writes.
        if (carry.length > maxEventBytes) {
          throw new TransportError(
            `${request.method} ${request.path}: watch event larger than ${maxEventBytes} bytes`,
            undefined,
            'EEVENTTOOLARGE',
          );
        }
      }
    }
  } catch (err) {
    if (err instanceof ApiError || err instanceof TransportError) throw err;
    const code = (err as { code?: string }).code;
    const reason =
      code === 'UND_ERR_BODY_TIMEOUT' ? 'no data within the inactivity timeout' : (err as Error).message;
    throw new TransportError(
      `${request.method} ${request.path}: watch stream broke: ${reason}`,
      { cause: err },
      code,
    );
  }
  carry += decoder.end();
  if (carry.length > 0) {
    // The server ends every event with a newline; a final fragment without one may still be a
    // whole object (some proxies drop the last newline), otherwise the stream was truncated.
    const event = tryParseLine<T>(carry);
    if (!event) {
      throw new TransportError(
        `${request.method} ${request.path}: watch stream ended in the middle of an event (${Buffer.byteLength(carry)} bytes)`,
        undefined,
        'ETRUNCATED',
      );
    }
    yield checkEvent(event, request);
  }
}

function parseLine<T>(line: string, request: { method: string; path: string }): WatchEvent<T> | undefined {
  if (line.length === 0 || line === '\r') return undefined;
  const event = tryParseLine<T>(line);
  if (!event) {
    throw new TransportError(
      `${request.method} ${request.path}: watch stream carried a line that is not a watch event: ${line.slice(0, 120)}`,
      undefined,
      'EBADEVENT',
    );
  }
  return checkEvent(event, request);
}

function tryParseLine<T>(line: string): { type: string; object: unknown } | undefined {
  try {
    const parsed = JSON.parse(line) as { type?: unknown; object?: unknown };
    if (parsed && typeof parsed.type === 'string' && parsed.object && typeof parsed.object === 'object') {
      return parsed as { type: string; object: T };
    }
  } catch {
    // reported by the caller
  }
  return undefined;
}

function checkEvent<T>(
  event: { type: string; object: unknown },
  request: { method: string; path: string },
): WatchEvent<T> {
  switch (event.type) {
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED':
    case 'BOOKMARK':
      return event as WatchEvent<T>;
    case 'ERROR': {
      const status = event.object as Status;
      throw new ApiError({ kind: 'Status', status: 'Failure', ...status, code: status.code || 500 }, request);
    }
    default:
      throw new TransportError(
        `${request.method} ${request.path}: unknown watch event type "${event.type}"`,
        undefined,
        'EBADEVENT',
      );
  }
}
