import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Agent, type Dispatcher } from 'undici';

/** How a {@link ChaosProxy} reaches the real API server. */
export interface ChaosProxyUpstream {
  server: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** Counters of what a {@link ChaosProxy} has done. */
export interface ChaosProxyStats {
  requests: number;
  injectedErrors: number;
  cuts: number;
}

/**
 * A plain-HTTP proxy on 127.0.0.1 in front of a real kube-apiserver (like `kubectl proxy`:
 * clients need no credentials, the proxy presents a client certificate upstream) that can break
 * things on demand, for chaos tests of informers and leader election:
 * - `cut()` drops every open connection at once (watches end mid-stream);
 * - `blackhole(true)` keeps connections open but forwards nothing — half-open connections, and
 *   new requests that never get an answer — until `blackhole(false)`;
 * - `injectErrors(n, code)` answers the next n requests itself with an API `Status` of that
 *   code (410 Expired, 429 with Retry-After 1, 500 or 503), without forwarding them.
 */
export class ChaosProxy {
  readonly stats: ChaosProxyStats = { requests: 0, injectedErrors: 0, cuts: 0 };
  private readonly sockets = new Set<Socket>();
  private readonly held = new Set<() => void>();
  private holes = false;
  private pendingErrors: { count: number; code: number } = { count: 0, code: 500 };
  private server: Server | undefined;
  private readonly upstreamAgent: Dispatcher;

  private constructor(private readonly upstream: ChaosProxyUpstream) {
    this.upstreamAgent = new Agent({
      connect: {
        ca: readFileSync(upstream.caFile),
        cert: readFileSync(upstream.certFile),
        key: readFileSync(upstream.keyFile),
      },
      bodyTimeout: 0,
      headersTimeout: 0,
    });
  }

  /** Starts a proxy on a free loopback port. */
  static async start(upstream: ChaosProxyUpstream): Promise<ChaosProxy> {
    const proxy = new ChaosProxy(upstream);
    await proxy.listen();
    return proxy;
  }

  /** `http://127.0.0.1:<port>`: the server URL clients use. */
  url = '';

  /** Connections currently open from clients. */
  get openConnections(): number {
    return this.sockets.size;
  }

  /** Drops every open client connection now. */
  cut(): void {
    this.stats.cuts++;
    for (const socket of this.sockets) socket.destroy();
  }

  /** While on, nothing is forwarded in either direction and no request is answered. */
  blackhole(on: boolean): void {
    this.holes = on;
    if (!on) {
      for (const release of this.held) release();
      this.held.clear();
    }
  }

  /** Answers the next `count` requests with an error Status of HTTP `code` instead of forwarding. */
  injectErrors(count: number, code: 410 | 429 | 500 | 503): void {
    this.pendingErrors = { count, code };
  }

  /** Closes the proxy and every connection. */
  async stop(): Promise<void> {
    this.blackhole(false);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.upstreamAgent.destroy();
  }

  private async listen(): Promise<void> {
    const server = createServer((req, res) => {
      void this.handle(req, res).catch(() => {
        res.destroy();
      });
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  // Waits while the hole is open; resolves when it closes (or at once when there is none).
  private passable(): Promise<void> {
    if (!this.holes) return Promise.resolve();
    return new Promise((resolve) => this.held.add(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    await this.passable();
    if (this.pendingErrors.count > 0) {
      this.pendingErrors.count--;
      this.stats.injectedErrors++;
      const code = this.pendingErrors.code;
      const reasons: Record<number, string> = {
        410: 'Expired',
        429: 'TooManyRequests',
        503: 'ServiceUnavailable',
      };
      const reason = reasons[code] ?? 'InternalError';
      res.writeHead(code, {
        'content-type': 'application/json',
        ...(code === 429 ? { 'retry-after': '1' } : {}),
      });
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          code,
          reason,
          message: `chaos proxy: injected ${code}`,
        }),
      );
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || name === 'host' || name === 'connection' || name === 'authorization')
        continue;
      headers[name] = value;
    }
    const hasBody =
      (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') ||
      req.headers['transfer-encoding'] !== undefined;
    const upstream = await this.upstreamAgent.request({
      origin: this.upstream.server,
      path: req.url ?? '/',
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      headers,
      body: hasBody ? req : null,
    });
    const responseHeaders: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (
        value !== undefined &&
        name !== 'connection' &&
        name !== 'keep-alive' &&
        name !== 'transfer-encoding'
      ) {
        responseHeaders[name] = value;
      }
    }
    res.writeHead(upstream.statusCode, responseHeaders);
    res.once('close', () => upstream.body.destroy());
    for await (const chunk of upstream.body) {
      await this.passable();
      if (res.destroyed) break;
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  }
}
