import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, TransportError } from '../../../src/client/api-error.js';
import { KubeClient } from '../../../src/client/kube-client.js';
import type { Authenticator, ConnectionConfig } from '../../../src/client/kubeconfig/index.js';
import { asksForGzip, RestClient } from '../../../src/client/rest-client.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server | undefined;
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];

async function serve(handler: Handler): Promise<string> {
  seen.length = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

async function stopServer(): Promise<void> {
  const s = server;
  server = undefined;
  if (!s) return;
  s.closeAllConnections();
  await new Promise((r) => s.close(r));
}

afterEach(stopServer);

const noAuth: Authenticator = { authorization: async () => undefined, invalidate: async () => false };

function connection(url: string, overrides: Partial<ConnectionConfig> = {}): ConnectionConfig {
  return {
    server: url,
    namespace: 'default',
    tls: { insecureSkipVerify: false },
    auth: noAuth,
    identity: `test-${url}-${Math.random()}`,
    ...overrides,
  };
}

function reply(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const statusBody = (code: number, reason: string) => ({
  kind: 'Status',
  status: 'Failure',
  code,
  reason,
  message: reason,
});

describe('RestClient', () => {
  it('sends JSON with user agent, impersonation and query, and parses the answer', async () => {
    const url = await serve((_req, res) => reply(res, 200, { ok: true }));
    const client = new RestClient(
      connection(url, {
        impersonate: { user: 'jane', groups: ['a', 'b'], extra: { 'scopes.example/x': ['1'] } },
      }),
      { qps: -1 },
    );
    const out = await client.request<{ ok: boolean }>({
      method: 'POST',
      path: '/api/v1/namespaces/x/configmaps',
      query: { dryRun: 'All', fieldManager: undefined },
      body: { metadata: { name: 'a' } },
    });
    expect(out).toEqual({ ok: true });
    const [r] = seen;
    expect(r?.url).toBe('/api/v1/namespaces/x/configmaps?dryRun=All');
    expect(JSON.parse(r!.body)).toEqual({ metadata: { name: 'a' } });
    expect(r?.headers['content-type']).toBe('application/json');
    expect(r?.headers['user-agent']).toMatch(/^kubekit\//);
    expect(r?.headers['impersonate-user']).toBe('jane');
    expect(r?.headers['impersonate-group']).toBe('a, b');
    expect(r?.headers['impersonate-extra-scopes.example%2fx']).toBe('1');
    await client.close();
  });

  it('retries a GET on 429 and on 503 with Retry-After, then returns the answer', async () => {
    let n = 0;
    const url = await serve((_req, res) => {
      n++;
      if (n === 1) reply(res, 429, statusBody(429, 'TooManyRequests'), { 'retry-after': '0' });
      else if (n === 2) reply(res, 503, statusBody(503, 'ServiceUnavailable'), { 'retry-after': '0' });
      else reply(res, 200, { n });
    });
    const client = new RestClient(connection(url), { qps: -1 });
    expect(await client.request({ method: 'GET', path: '/x' })).toEqual({ n: 3 });
    await client.close();
  });

  it('gives up after maxRetries and surfaces the last ApiError', async () => {
    const url = await serve((_req, res) =>
      reply(res, 429, statusBody(429, 'TooManyRequests'), { 'retry-after': '0' }),
    );
    const client = new RestClient(connection(url), { qps: -1, maxRetries: 2 });
    const err = await client
      .request({ method: 'GET', path: '/x' })
      .catch((e: unknown) => e as TransportError & ApiError);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(429);
    expect(seen).toHaveLength(3);
    await client.close();
  });

  it('never repeats a POST that got a 5xx, but does repeat one that got 429', async () => {
    const url = await serve((_req, res) =>
      reply(res, 503, statusBody(503, 'ServiceUnavailable'), { 'retry-after': '0' }),
    );
    const client = new RestClient(connection(url), { qps: -1 });
    await expect(client.request({ method: 'POST', path: '/x', body: {} })).rejects.toMatchObject({
      code: 503,
    });
    expect(seen).toHaveLength(1);
    await client.close();

    let n = 0;
    const url2 = await (async () => {
      await stopServer();
      return serve((_req, res) =>
        ++n === 1
          ? reply(res, 429, statusBody(429, 'TooManyRequests'), { 'retry-after': '0' })
          : reply(res, 201, {}),
      );
    })();
    const client2 = new RestClient(connection(url2), { qps: -1 });
    await client2.request({ method: 'POST', path: '/x', body: {} });
    expect(seen).toHaveLength(2);
    await client2.close();
  });

  it('does not retry a 500 without Retry-After', async () => {
    const url = await serve((_req, res) => reply(res, 500, statusBody(500, 'InternalError')));
    const client = new RestClient(connection(url), { qps: -1 });
    await expect(client.request({ method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 500 });
    expect(seen).toHaveLength(1);
    await client.close();
  });

  it('after a 401 asks the authenticator to refresh and retries once with the new credentials', async () => {
    let token = 'old';
    const invalidated: (string | undefined)[] = [];
    const auth: Authenticator = {
      authorization: async () => `Bearer ${token}`,
      invalidate: async (rejected) => {
        invalidated.push(rejected);
        token = 'new';
        return true;
      },
    };
    const url = await serve((req, res) =>
      req.headers.authorization === 'Bearer new'
        ? reply(res, 200, {})
        : reply(res, 401, statusBody(401, 'Unauthorized')),
    );
    const client = new RestClient(connection(url, { auth }), { qps: -1 });
    await client.request({ method: 'GET', path: '/x' });
    expect(invalidated).toEqual(['Bearer old']);
    expect(seen.map((s) => s.headers.authorization)).toEqual(['Bearer old', 'Bearer new']);

    // A second 401 after the refresh is final: no loop.
    token = 'wrong';
    const stubborn: Authenticator = {
      authorization: async () => 'Bearer wrong',
      invalidate: async () => true,
    };
    const client2 = new RestClient(connection(url, { auth: stubborn }), { qps: -1 });
    seen.length = 0;
    await expect(client2.request({ method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 401 });
    expect(seen).toHaveLength(2);
    await Promise.all([client.close(), client2.close()]);
  });

  it('reports a refused connection as a TransportError, not an ApiError', async () => {
    const url = await serve(() => {});
    await stopServer();
    const client = new RestClient(connection(url), { qps: -1 });
    const err = await client
      .request({ method: 'GET', path: '/x' })
      .catch((e: unknown) => e as TransportError & ApiError);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as ApiError).code).toBe('ECONNREFUSED');
    await client.close();
  });

  it('times out a request that gets no answer, as a TransportError', async () => {
    const url = await serve(() => {}); // never answers
    const client = new RestClient(connection(url), { qps: -1, timeoutMs: 200 });
    const err = await client
      .request({ method: 'GET', path: '/x' })
      .catch((e: unknown) => e as TransportError & ApiError);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as ApiError).code).toBe('ETIMEDOUT');
    await client.close();
  });

  it('rejects with the caller’s abort reason, not a TransportError', async () => {
    const url = await serve(() => {});
    const client = new RestClient(connection(url), { qps: -1 });
    const controller = new AbortController();
    const pending = client.request({ method: 'GET', path: '/x', signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop now')), 20);
    await expect(pending).rejects.toThrow('stop now');
    await client.close();
  });

  it('decompresses gzip answers', async () => {
    const { gzipSync } = await import('node:zlib');
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify({ items: [1, 2, 3] })));
    });
    const client = new RestClient(connection(url), { qps: -1, compression: 'gzip' });
    expect(await client.request({ method: 'GET', path: '/x' })).toEqual({ items: [1, 2, 3] });
    expect(seen[0]?.headers['accept-encoding']).toBe('gzip');
    await client.close();
  });

  it('asks for gzip by default except on this machine, and never when the kubeconfig disables it', async () => {
    const url = await serve((_req, res) => reply(res, 200, {}));
    for (const [options, disable, expected] of [
      [{}, false, undefined],
      [{ compression: 'gzip' }, false, 'gzip'],
      [{ compression: 'gzip' }, true, undefined],
      [{ compression: 'none' }, false, undefined],
    ] as const) {
      const client = new RestClient(connection(url, { disableCompression: disable }), {
        qps: -1,
        ...options,
      });
      await client.request({ method: 'GET', path: '/x' });
      expect(seen.at(-1)?.headers['accept-encoding'], JSON.stringify([options, disable])).toBe(expected);
      await client.close();
    }
    expect(asksForGzip('https://10.96.0.1', 'auto', false)).toBe(true);
    expect(asksForGzip('https://api.example.com:6443', 'auto', false)).toBe(true);
    expect(asksForGzip('https://[2001:db8::1]:6443', 'auto', false)).toBe(true);
    expect(asksForGzip('https://[fd00::7f00:1]:6443', 'auto', false)).toBe(true);
    expect(asksForGzip('https://api.example.com', 'auto', true)).toBe(false);
    for (const local of [
      'https://127.0.0.1:6443',
      'https://127.1.2.3',
      'https://localhost:8443',
      'https://kind.localhost',
      'https://[::1]:6443',
      'https://[::ffff:127.0.0.1]:6443',
    ]) {
      expect(asksForGzip(local, 'auto', false), local).toBe(false);
    }
  });

  it('decodes a gzip-compressed list as it streams in', async () => {
    const { gzipSync } = await import('node:zlib');
    const list = { kind: 'List', metadata: { resourceVersion: '9' }, items: [{ a: 1 }, { b: 'x"]' }] };
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify(list)));
    });
    const client = new RestClient(connection(url), { qps: -1, compression: 'gzip' });
    const seenItems: unknown[] = [];
    const out = await client.requestList({ method: 'GET', path: '/x' }, (item) => {
      seenItems.push(item);
      return { wrapped: item };
    });
    expect(out).toEqual({ ...list, items: list.items.map((i) => ({ wrapped: i })) });
    expect(seenItems).toEqual(list.items);
    await client.close();
  });

  it('fails a list whose body breaks or ends early with a TransportError, gzip or not', async () => {
    const { gzipSync } = await import('node:zlib');
    const body = Buffer.from(JSON.stringify({ kind: 'List', items: [{ a: 1 }, { b: 2 }] }));
    for (const gzip of [false, true]) {
      for (const ending of ['reset', 'truncated'] as const) {
        const url = await serve((_req, res) => {
          const bytes = gzip ? gzipSync(body) : body;
          res.writeHead(200, {
            'content-type': 'application/json',
            ...(gzip ? { 'content-encoding': 'gzip' } : {}),
            ...(ending === 'truncated' ? {} : { 'content-length': String(bytes.length) }),
          });
          res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
          if (ending === 'reset') setTimeout(() => res.socket?.destroy(), 20);
          else res.end();
        });
        const client = new RestClient(connection(url), { qps: -1, compression: 'gzip', timeoutMs: 5_000 });
        const err = await client.requestList({ method: 'GET', path: '/x' }).catch((e: unknown) => e);
        expect(err, `${ending}, gzip ${gzip}`).toBeInstanceOf(TransportError);
        await client.close();
        await stopServer();
      }
    }
  });

  it('a throwing transformItem fails the list with its own error', async () => {
    const url = await serve((_req, res) => reply(res, 200, { items: [{ a: 1 }] }));
    const client = new RestClient(connection(url), { qps: -1 });
    const bug = new Error('transform bug');
    await expect(
      client.requestList({ method: 'GET', path: '/x' }, () => {
        throw bug;
      }),
    ).rejects.toBe(bug);
    await client.close();
  });

  it('never asks for gzip on a watch', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end();
    });
    const client = new RestClient(connection(url), { qps: -1, compression: 'gzip' });
    const res = await client.stream({ method: 'GET', path: '/x', query: { watch: 1 } });
    res.close();
    expect(seen[0]?.headers['accept-encoding']).toBeUndefined();
    await client.close();
  });
});

describe('rate limits', () => {
  it('records whether the user chose a limit; useDefaultRateLimit replaces only the raw defaults', () => {
    const url = 'http://127.0.0.1:1';
    const raw = new RestClient(connection(url));
    expect(raw.rateLimit).toEqual({ qps: 5, burst: 10, chosen: false });
    expect(raw.useDefaultRateLimit({ qps: 20, burst: 30 })).toEqual({ qps: 20, burst: 30, chosen: true });
    // Once raised, a second default does not override it.
    expect(raw.useDefaultRateLimit({ qps: 1, burst: 1 })).toEqual({ qps: 20, burst: 30, chosen: true });
    const qpsOnly = new RestClient(connection(url), { qps: 7 });
    expect(qpsOnly.useDefaultRateLimit({ qps: 20, burst: 30 })).toEqual({ qps: 7, burst: 10, chosen: true });
    const off = new RestClient(connection(url), { qps: -1 });
    expect(off.useDefaultRateLimit({ qps: 20, burst: 30 }).qps).toBe(-1);
  });

  it('withRateLimit: requests wait in a bucket of their own over the same connections', async () => {
    const url = await serve((req, res) => reply(res, 200, { path: req.url }));
    const clock = new FakeClock();
    const kube = new KubeClient(connection(url), { qps: 1, burst: 1, clock });
    const lock = kube.withRateLimit();
    expect(lock.rest.rateLimit).toEqual({ qps: 1, burst: 1, chosen: true });
    expect(lock.rest.connection).toBe(kube.rest.connection);
    // The first request takes the parent's only token; the next two must wait for the fake
    // clock, which never moves here, so they can only finish if nothing else waits behind them.
    await kube.rest.request({ method: 'GET', path: '/first' });
    const starved = [
      kube.rest.request({ method: 'GET', path: '/2' }),
      kube.rest.request({ method: 'GET', path: '/3' }),
    ];
    let starvedDone = 0;
    for (const p of starved) void p.then(() => starvedDone++);
    // The derived client has its own full bucket: it is served while the parent's queue waits.
    expect(await lock.rest.request({ method: 'GET', path: '/renew' })).toEqual({ path: '/renew' });
    expect(starvedDone).toBe(0);
    // One pooled dispatcher serves both (white-box: the pool is private).
    const dispatcherOf = (c: KubeClient) =>
      (c.rest as unknown as { lease?: { dispatcher: unknown } }).lease?.dispatcher;
    expect(dispatcherOf(lock)).toBeDefined();
    expect(dispatcherOf(lock)).toBe(dispatcherOf(kube));
    await clock.advance(2_000);
    await Promise.all(starved);
    expect(seen.map((r) => r.url)).toEqual(['/first', '/renew', '/2', '/3']);
    await lock.close();
    await kube.close();
  });
});
