import { describe, expect, it } from 'vitest';
import { ApiError, isGone, TransportError } from '../../../src/client/api-error.js';
import { decodeWatchStream, type WatchEvent } from '../../../src/client/watch-event.js';

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
