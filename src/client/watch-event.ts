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

type Request = { method: string; path: string };

/**
 * Decodes a watch response body (one JSON object per line) into events. Ends normally when the
 * server closes the stream cleanly; throws {@link ApiError} for an ERROR event and
 * {@link TransportError} when the stream breaks or ends in the middle of an event — an event
 * that was not received whole is never yielded, so the caller resumes from the last one it got.
 * Events before a bad line or an ERROR event are delivered first. `return()` (a `break` out of
 * `for await`) closes the body.
 */
export function decodeWatchStream<T>(
  body: AsyncIterable<Buffer>,
  request: Request,
  maxEventBytes = defaultMaxEventBytes,
): AsyncIterableIterator<WatchEvent<T>> {
  return new WatchStreamDecoder<T>(async () => ({ body, close() {} }), request, maxEventBytes);
}

/**
 * {@link decodeWatchStream} over a response opened on the first `next()`; the response is
 * closed when the iteration ends in any way. Internal to the client.
 */
export function openWatchStream<T>(
  open: () => Promise<{ body: AsyncIterable<Buffer>; close(): void }>,
  request: Request,
  maxEventBytes = defaultMaxEventBytes,
): AsyncIterableIterator<WatchEvent<T>> {
  return new WatchStreamDecoder<T>(open, request, maxEventBytes);
}

const done: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/**
 * A hand-written iterator rather than an async generator: the whole lines of a chunk are
 * decoded at once and the events handed out from an array, each `next()` an already-resolved
 * promise. An async generator costs a suspension and a resumption per event (and the client's
 * watch() wrapped it in a second one). One JSON.parse per chunk of lines joined into an array
 * was tried as well and measured slower than one per line.
 */
class WatchStreamDecoder<T> implements AsyncIterableIterator<WatchEvent<T>> {
  // Each chunk is UTF-8-decoded once (StringDecoder holds back a character split between
  // chunks) and lines are cut as slices of that text.
  private readonly utf8 = new StringDecoder('utf8');
  private carry = '';
  private events: WatchEvent<T>[] = [];
  private head = 0;
  /** Thrown once the events decoded before it have been handed out. */
  private failure: unknown;
  private finished = false;
  /** The refill under way; a `next()` called meanwhile waits for it (calls stay in order). */
  private filling: Promise<IteratorResult<WatchEvent<T>, undefined>> | undefined;

  private source: AsyncIterator<Buffer> | undefined;
  private close: (() => void) | undefined;

  constructor(
    private open: (() => Promise<{ body: AsyncIterable<Buffer>; close(): void }>) | undefined,
    private readonly request: Request,
    private readonly maxEventBytes: number,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<WatchEvent<T>, undefined>> {
    if (this.filling) {
      const after = () => this.next();
      return this.filling.then(after, after);
    }
    if (this.head < this.events.length) {
      return Promise.resolve({ value: this.events[this.head++]!, done: false });
    }
    const filling = this.fill();
    this.filling = filling;
    const clear = () => {
      if (this.filling === filling) this.filling = undefined;
    };
    filling.then(clear, clear);
    return filling;
  }

  async return(): Promise<IteratorResult<WatchEvent<T>, undefined>> {
    this.stop();
    await this.release();
    return done;
  }

  private stop(): void {
    this.finished = true;
    this.open = undefined;
    this.events = [];
    this.head = 0;
    this.carry = '';
    this.failure = undefined;
  }

  /** Ends the body's iteration and the response; safe to call more than once. */
  private async release(): Promise<void> {
    const source = this.source;
    const close = this.close;
    this.source = undefined;
    this.close = undefined;
    try {
      await source?.return?.();
    } catch {
      // the body is being torn down; nothing in it is wanted any more
    } finally {
      close?.();
    }
  }

  private async fill(): Promise<IteratorResult<WatchEvent<T>, undefined>> {
    for (;;) {
      if (this.failure !== undefined) {
        const failure = this.failure;
        this.stop();
        await this.release();
        throw failure;
      }
      if (this.finished) {
        await this.release();
        return done;
      }
      this.events = [];
      this.head = 0;
      if (!this.source) {
        const open = this.open!;
        this.open = undefined;
        try {
          const response = await open();
          this.close = response.close;
          this.source = response.body[Symbol.asyncIterator]();
        } catch (err) {
          // Failing to open (an API error, for instance) is reported as it is.
          this.stop();
          throw err;
        }
        // return() may have come while the response was on its way.
        if (this.finished) continue;
      }
      let read: IteratorResult<Buffer>;
      try {
        read = await this.source.next();
      } catch (err) {
        this.stop();
        await this.release();
        throw this.broken(err);
      }
      if (read.done) this.end();
      else this.decodeChunk(read.value);
      if (this.head < this.events.length) return { value: this.events[this.head++]!, done: false };
    }
  }

  private decodeChunk(chunk: Buffer): void {
    const text = this.utf8.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      let line = text.slice(start, nl);
      start = nl + 1;
      if (this.carry.length > 0) {
        line = this.carry + line;
        this.carry = '';
      }
      if (!this.decodeLine(line)) return;
    }
    if (start < text.length) this.hold(start === 0 ? this.carry + text : text.slice(start));
  }

  /** Keeps the start of an event that continues in the next chunk. */
  private hold(fragment: string): void {
    // Counted in UTF-16 units, which equal bytes for the ASCII JSON the apiserver writes.
    if (fragment.length > this.maxEventBytes) {
      this.failure = new TransportError(
        `${this.request.method} ${this.request.path}: watch event larger than ${this.maxEventBytes} bytes`,
        undefined,
        'EEVENTTOOLARGE',
      );
      return;
    }
    this.carry = fragment;
  }

  private decodeLine(line: string): boolean {
    if (line.length === 0 || line === '\r') return true;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    return this.accept(value, line);
  }

  /** Queues a decoded event, or records why the stream ends here; false when it does. */
  private accept(value: unknown, line: string): boolean {
    const event = value as { type?: unknown; object?: unknown } | null | undefined;
    if (!event || typeof event.type !== 'string' || !event.object || typeof event.object !== 'object') {
      this.failure = new TransportError(
        `${this.request.method} ${this.request.path}: watch stream carried a line that is not a watch event: ${line.slice(0, 120)}`,
        undefined,
        'EBADEVENT',
      );
      return false;
    }
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
      case 'DELETED':
      case 'BOOKMARK':
        this.events.push(event as WatchEvent<T>);
        return true;
      case 'ERROR': {
        const status = event.object as Status;
        this.failure = new ApiError(
          { kind: 'Status', status: 'Failure', ...status, code: status.code || 500 },
          this.request,
        );
        return false;
      }
      default:
        this.failure = new TransportError(
          `${this.request.method} ${this.request.path}: unknown watch event type "${event.type}"`,
          undefined,
          'EBADEVENT',
        );
        return false;
    }
  }

  /** The body ended cleanly: what is left must be a whole event. */
  private end(): void {
    this.finished = true;
    const rest = this.carry + this.utf8.end();
    this.carry = '';
    if (rest.length === 0 || rest === '\r') return;
    // The server ends every event with a newline; a final fragment without one may still be a
    // whole object (some proxies drop the last newline), otherwise the stream was truncated.
    let value: unknown;
    try {
      value = JSON.parse(rest);
    } catch {
      this.failure = new TransportError(
        `${this.request.method} ${this.request.path}: watch stream ended in the middle of an event (${Buffer.byteLength(rest)} bytes)`,
        undefined,
        'ETRUNCATED',
      );
      return;
    }
    this.accept(value, rest);
  }

  private broken(err: unknown): unknown {
    if (err instanceof ApiError || err instanceof TransportError) return err;
    const code = (err as { code?: string }).code;
    const reason =
      code === 'UND_ERR_BODY_TIMEOUT' ? 'no data within the inactivity timeout' : (err as Error).message;
    return new TransportError(
      `${this.request.method} ${this.request.path}: watch stream broke: ${reason}`,
      { cause: err },
      code,
    );
  }
}
