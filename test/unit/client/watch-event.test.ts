import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError, isGone, TransportError } from '../../../src/client/api-error.js';
import { decodeWatchStream, openWatchStream, type WatchEvent } from '../../../src/client/watch-event.js';

const req = { method: 'WATCH', path: '/api/v1/pods' };

async function* chunks(...parts: (string | Error)[]): AsyncGenerator<Buffer> {
  for (const p of parts) {
    if (p instanceof Error) throw p;
    yield Buffer.from(p);
  }
}

async function collect(
  body: AsyncIterable<Buffer>,
): Promise<{ events: WatchEvent<unknown>[]; error?: unknown }> {
  const events: WatchEvent<unknown>[] = [];
  try {
    for await (const e of decodeWatchStream(body, req)) events.push(e);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

const ev = (type: string, name: string, rv: string) =>
  `${JSON.stringify({ type, object: { metadata: { name, resourceVersion: rv } } })}\n`;

describe('decodeWatchStream', () => {
  it('yields events split across chunks at arbitrary byte boundaries', async () => {
    const text = ev('ADDED', 'a', '1') + ev('MODIFIED', 'a', '2') + ev('DELETED', 'a', '3');
    for (const cut of [1, 7, 30, text.length - 2]) {
      const { events, error } = await collect(chunks(text.slice(0, cut), text.slice(cut)));
      expect(error).toBeUndefined();
      expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    }
  });

  it('keeps multi-byte characters intact across chunk boundaries', async () => {
    const bytes = Buffer.from(ev('ADDED', 'zürich-名', '1'));
    const cut = bytes.indexOf(Buffer.from('名')) + 1;
    async function* body() {
      yield bytes.subarray(0, cut);
      yield bytes.subarray(cut);
    }
    const { events } = await collect(body());
    expect((events[0]!.object as { metadata: { name: string } }).metadata.name).toBe('zürich-名');
  });

  it('ends with an ApiError carrying the Status of an ERROR event (410 Gone)', async () => {
    const gone = JSON.stringify({
      type: 'ERROR',
      object: {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code: 410,
        reason: 'Expired',
        message: 'too old resource version: 1 (200)',
      },
    });
    const { events, error } = await collect(
      chunks(ev('ADDED', 'a', '5'), `${gone}\n`, ev('ADDED', 'b', '6')),
    );
    expect(events).toHaveLength(1);
    expect(error).toBeInstanceOf(ApiError);
    expect(isGone(error)).toBe(true);
    expect((error as ApiError).message).toContain('too old resource version');
  });

  it('treats a stream cut in the middle of an event as a transport error and drops the fragment', async () => {
    const { events, error } = await collect(
      chunks(ev('ADDED', 'a', '1'), '{"type":"MODIFIED","object":{"meta'),
    );
    expect(events).toHaveLength(1);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe('ETRUNCATED');
  });

  it('accepts a final whole event without its newline', async () => {
    const { events, error } = await collect(chunks(ev('ADDED', 'a', '1'), ev('ADDED', 'b', '2').trimEnd()));
    expect(error).toBeUndefined();
    expect(events).toHaveLength(2);
  });

  it('wraps a socket error as a TransportError with the underlying code', async () => {
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const { events, error } = await collect(chunks(ev('ADDED', 'a', '1'), reset));
    expect(events).toHaveLength(1);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe('UND_ERR_SOCKET');
  });

  it('rejects garbage lines and unknown event types instead of skipping them silently', async () => {
    expect((await collect(chunks('<html>proxy error</html>\n'))).error).toBeInstanceOf(TransportError);
    expect((await collect(chunks(ev('EXPLODED', 'a', '1')))).error).toBeInstanceOf(TransportError);
  });

  it('ends the watch with a typed error on an oversized event instead of buffering without bound', async () => {
    async function* endless() {
      yield Buffer.from(ev('ADDED', 'a', '1'));
      for (let i = 0; i < 100; i++) yield Buffer.alloc(1024, 0x61);
    }
    const events: WatchEvent<unknown>[] = [];
    const err = await (async () => {
      for await (const e of decodeWatchStream(endless(), req, 10_000)) events.push(e);
    })().catch((e: unknown) => e);
    expect(events).toHaveLength(1);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe('EEVENTTOOLARGE');
  });

  it('skips blank and CR-only lines (keep-alives)', async () => {
    const { events, error } = await collect(chunks('\n', '\r\n', ev('BOOKMARK', '', '9')));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['BOOKMARK']);
  });
});

/** What a stream of these lines must give: decoded one line at a time, up to the first bad one. */
function expected(lines: string[]): { types: string[]; names: unknown[]; error?: string } {
  const types: string[] = [];
  const names: unknown[] = [];
  for (const line of lines) {
    if (line === '' || line === '\r') continue;
    let value: { type?: unknown; object?: { metadata?: { name?: unknown } } } | undefined;
    try {
      value = JSON.parse(line);
    } catch {
      return { types, names, error: 'EBADEVENT' };
    }
    if (!value || typeof value.type !== 'string' || !value.object || typeof value.object !== 'object')
      return { types, names, error: 'EBADEVENT' };
    if (value.type === 'ERROR') return { types, names, error: 'ApiError' };
    if (!['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK'].includes(value.type))
      return { types, names, error: 'EBADEVENT' };
    types.push(value.type);
    names.push(value.object.metadata?.name);
  }
  return { types, names };
}

const goodLine = fc
  .record({
    type: fc.constantFrom('ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK'),
    name: fc.string({ maxLength: 12 }),
    crlf: fc.boolean(),
  })
  .map(
    ({ type, name, crlf }) => JSON.stringify({ type, object: { metadata: { name } } }) + (crlf ? '\r' : ''),
  );
const badLine = fc.constantFrom(
  '',
  '\r',
  '<html>proxy error</html>',
  '42',
  'null',
  '{"type":"ADDED"}',
  '{"type":"EXPLODED","object":{}}',
  '{"type":"ERROR","object":{"code":410,"message":"too old"}}',
  // Two values on one line, and one value over two lines: each line alone is not an event.
  '{"type":"ADDED","object":{}},{"type":"ADDED","object":{}}',
  '{"type":"ADDED","object":{"metadata":{"name":[1\n2]}}}',
);

describe('decodeWatchStream, any stream cut anywhere', () => {
  it('gives exactly what decoding line by line gives: events up to the first bad line, then its error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ weight: 4, arbitrary: goodLine }, { weight: 1, arbitrary: badLine }), {
          maxLength: 30,
        }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (lines, cuts, finalNewline) => {
          const text = lines.join('\n') + (finalNewline && lines.length > 0 ? '\n' : '');
          const bytes = Buffer.from(text);
          const parts: Buffer[] = [];
          for (let off = 0, i = 0; off < bytes.length; i++) {
            const size = cuts[i % cuts.length]!;
            parts.push(bytes.subarray(off, off + size));
            off += size;
          }
          const body = (async function* () {
            yield* parts;
          })();
          const { events, error } = await collect(body);
          const want = expected(text.split('\n'));
          expect(events.map((e) => e.type)).toEqual(want.types);
          expect(events.map((e) => (e.object as { metadata?: { name?: unknown } }).metadata?.name)).toEqual(
            want.names,
          );
          if (want.error === undefined) expect(error).toBeUndefined();
          else if (want.error === 'ApiError') expect(error).toBeInstanceOf(ApiError);
          else {
            expect(error).toBeInstanceOf(TransportError);
            // A bad last line without its newline reads as a stream cut inside an event.
            expect(['EBADEVENT', 'ETRUNCATED']).toContain((error as TransportError).code);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('delivers the events before an ERROR event of the same chunk, then the ApiError', async () => {
    const gone = JSON.stringify({ type: 'ERROR', object: { code: 410, message: 'too old' } });
    const { events, error } = await collect(
      chunks(`${ev('ADDED', 'a', '1') + ev('MODIFIED', 'a', '2')}${gone}\n${ev('ADDED', 'b', '3')}`),
    );
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED']);
    expect(isGone(error)).toBe(true);
  });
});

describe('openWatchStream', () => {
  function response(parts: string[]) {
    const log: string[] = [];
    let returned = false;
    const body: AsyncIterable<Buffer> = {
      [Symbol.asyncIterator]: () => {
        let i = 0;
        return {
          next: async () => {
            if (returned || i >= parts.length) return { value: undefined, done: true as const };
            return { value: Buffer.from(parts[i++]!), done: false as const };
          },
          return: async () => {
            returned = true;
            log.push('body.return');
            return { value: undefined, done: true as const };
          },
        };
      },
    };
    return { log, res: { body, close: () => void log.push('close') } };
  }

  it('opens nothing until the first next(), and closes the response when the stream ends', async () => {
    const { log, res } = response([ev('ADDED', 'a', '1') + ev('ADDED', 'b', '2')]);
    let opened = 0;
    const stream = openWatchStream(async () => {
      opened++;
      return res;
    }, req);
    expect(opened).toBe(0);
    const names: string[] = [];
    for await (const e of stream) names.push((e.object as { metadata: { name: string } }).metadata.name);
    expect(names).toEqual(['a', 'b']);
    expect(opened).toBe(1);
    expect(log).toEqual(['body.return', 'close']);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('closes the body and the response on break, once', async () => {
    const { log, res } = response([ev('ADDED', 'a', '1') + ev('ADDED', 'b', '2'), ev('ADDED', 'c', '3')]);
    const stream = openWatchStream(async () => res, req);
    for await (const _ of stream) break;
    await stream.return!();
    expect(log).toEqual(['body.return', 'close']);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('closes the response on an error event as well', async () => {
    const gone = JSON.stringify({ type: 'ERROR', object: { code: 410, message: 'too old' } });
    const { log, res } = response([`${gone}\n`]);
    const { error } = await collect(openWatchStream(async () => res, req) as AsyncIterable<never>);
    expect(isGone(error)).toBe(true);
    expect(log).toEqual(['body.return', 'close']);
  });

  it('closes a response that arrives after return()', async () => {
    const { log, res } = response([ev('ADDED', 'a', '1')]);
    let arrive!: () => void;
    const stream = openWatchStream(() => new Promise<typeof res>((r) => (arrive = () => r(res))), req);
    const first = stream.next();
    const ended = stream.return!();
    arrive();
    expect(await first).toEqual({ value: undefined, done: true });
    await ended;
    expect(log).toEqual(['body.return', 'close']);
  });

  it('reports a failure to open as it is', async () => {
    const failure = new ApiError({ kind: 'Status', code: 403, message: 'forbidden' }, req);
    const stream = openWatchStream(async () => Promise.reject(failure), req);
    await expect(stream.next()).rejects.toBe(failure);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('answers next() calls made without waiting in order, one event each', async () => {
    const { res } = response([ev('ADDED', 'a', '1'), ev('ADDED', 'b', '2') + ev('ADDED', 'c', '3')]);
    const stream = openWatchStream(async () => res, req);
    const results = await Promise.all([stream.next(), stream.next(), stream.next(), stream.next()]);
    expect(
      results.map((r) =>
        r.done ? 'done' : (r.value.object as { metadata: { name: string } }).metadata.name,
      ),
    ).toEqual(['a', 'b', 'c', 'done']);
  });
});
