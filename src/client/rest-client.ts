import { isIPv4 } from 'node:net';
import { pipeline } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip, gunzip } from 'node:zlib';
import type { Dispatcher } from 'undici';
import { type Clock, realClock } from '../common/clock.js';
import { type Logger, silentLogger } from '../common/logger.js';
import { type ApiError, apiErrorFromResponse, TransportError } from './api-error.js';
import { type DispatcherLease, leaseDispatcher, type PoolOptions } from './dispatcher-pool.js';
import type { ConnectionConfig } from './kubeconfig/index.js';
import { ItemTransformFailure, ListBodyDecoder } from './list-decoder.js';
import { TokenBucket } from './token-bucket.js';

const gunzipAsync = promisify(gunzip);

/** HTTP verbs the Kubernetes API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

/** Query parameters; `undefined` values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** One API request. */
export interface RequestOptions {
  method: HttpMethod;
  /** Absolute API path, e.g. `/api/v1/namespaces/default/pods`. */
  path: string;
  query?: Query;
  /** Sent as JSON unless it is already a string or Buffer. */
  body?: unknown;
  /** Default `application/json` when there is a body. */
  contentType?: string;
  signal?: AbortSignal;
  /** Whole-request timeout in ms for this call (default: the client's `timeoutMs`). */
  timeoutMs?: number;
}

/** An open streaming response (watch, logs): consume `body` or call `close()`. */
export interface StreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Buffer> & { destroy(error?: Error): void };
  close(): void;
}

/** A client-side rate limit, and whether the user chose it. */
export interface RateLimit {
  /** Requests per second; ≤ 0 means unlimited. */
  qps: number;
  /** Requests allowed at once above the rate. */
  burst: number;
  /** False when neither `qps` nor `burst` was given, so client-go's defaults (5 / 10) apply. */
  chosen: boolean;
}

/** Options of a {@link RestClient}. Every field has a documented default. */
export interface RestClientOptions {
  /** Client-side rate limit in requests per second (default 5, like client-go); ≤ 0 disables. */
  qps?: number;
  /** Requests allowed at once above the rate (default 10, like client-go). */
  burst?: number;
  /** Timeout for non-streaming requests in ms (default 60 s, the apiserver's own limit); 0 disables. */
  timeoutMs?: number;
  /**
   * Attempts after the first for a 429, or a 5xx with Retry-After (default 10, like client-go).
   * Only for requests that are safe to repeat: GET, HEAD, PUT, DELETE on any such answer, and
   * POST/PATCH only on 429, which the server sends before doing anything.
   */
  maxRetries?: number;
  /** Longest single Retry-After wait honoured, in seconds (default 30). */
  maxRetryAfterSeconds?: number;
  /** `User-Agent` header (default `kubekit/<version> (<platform>/<arch>) node/<version>`). */
  userAgent?: string;
  /**
   * Whether to ask for gzip-compressed answers; watches never are. `'auto'` (default) asks
   * unless the server is on this machine (a loopback address or `localhost`), where compression
   * saves no transfer time and costs both sides CPU — kube-apiserver makes the same choice for
   * its own loopback client, as kube-scheduler and kube-controller-manager do for every
   * connection. `'gzip'` always asks, `'none'` never does. The kubeconfig's
   * `disable-compression: true` turns it off whatever this says.
   */
  compression?: 'auto' | 'gzip' | 'none';
  pool?: PoolOptions;
  logger?: Logger;
  clock?: Clock;
}

const defaultUserAgent = `kubekit/0.1.0 (${process.platform}/${process.arch}) node/${process.version}`;

/**
 * Low-level HTTP access to one cluster as one user: authentication, impersonation, a shared
 * connection pool, client-side rate limiting and bounded Retry-After retries. Everything typed
 * (ResourceClient, discovery, informers) is built on it. Safe to share; call `close()` when done.
 */
export class RestClient {
  /** Base URL of the API server, without a trailing slash. */
  readonly server: string;
  /** Namespace the configuration selects (context namespace or in-cluster namespace). */
  readonly defaultNamespace: string;
  private limiter: TokenBucket;
  private rateLimitChosen: boolean;
  private readonly options: Required<Omit<RestClientOptions, 'pool' | 'logger' | 'clock'>>;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly staticHeaders: Record<string, string | string[]>;
  private lease: DispatcherLease | undefined;
  private leaseCert: unknown;
  private closed = false;

  constructor(
    readonly connection: ConnectionConfig,
    options: RestClientOptions = {},
  ) {
    this.server = connection.server.replace(/\/+$/, '');
    this.defaultNamespace = connection.namespace;
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? silentLogger;
    this.rateLimitChosen = options.qps !== undefined || options.burst !== undefined;
    this.options = {
      qps: options.qps ?? 5,
      burst: options.burst ?? 10,
      timeoutMs: options.timeoutMs ?? 60_000,
      maxRetries: options.maxRetries ?? 10,
      maxRetryAfterSeconds: options.maxRetryAfterSeconds ?? 30,
      userAgent: options.userAgent ?? defaultUserAgent,
      compression: options.compression ?? 'auto',
    };
    this.limiter = new TokenBucket(this.options.qps, this.options.burst, this.clock);
    this.poolOptions = options.pool ?? {};
    this.staticHeaders = { 'user-agent': this.options.userAgent, ...impersonationHeaders(connection) };
    if (asksForGzip(this.server, this.options.compression, connection.disableCompression)) {
      this.staticHeaders['accept-encoding'] = 'gzip';
    }
  }

  private readonly poolOptions: PoolOptions;

  /** The rate limit requests wait for, and whether the user chose it. */
  get rateLimit(): RateLimit {
    return { qps: this.limiter.qps, burst: this.limiter.burst, chosen: this.rateLimitChosen };
  }

  /**
   * Replaces client-go's raw defaults (5 / 10) with `limit` when the user chose no rate limit
   * (neither `qps` nor `burst`), as controller-runtime's GetConfig does for controllers (20 / 30);
   * an explicit choice is kept. Returns the limit now in force.
   */
  useDefaultRateLimit(limit: { qps: number; burst: number }): RateLimit {
    if (!this.rateLimitChosen) {
      this.limiter = new TokenBucket(limit.qps, limit.burst, this.clock);
      this.rateLimitChosen = true;
    }
    return this.rateLimit;
  }

  /**
   * Sends a request and returns the parsed JSON body of a 2xx answer (undefined when empty).
   * Non-2xx answers reject with {@link ApiError}; failures to get an answer reject with
   * {@link TransportError}; an aborted `signal` rejects with its reason.
   */
  async request<T>(options: RequestOptions): Promise<T> {
    const { statusCode, headers, body } = await this.send(options, false);
    let buffer = Buffer.from(await body.arrayBuffer());
    if (headers['content-encoding'] === 'gzip') buffer = await gunzipAsync(buffer);
    if (statusCode === 204 || buffer.length === 0) return undefined as T;
    try {
      return JSON.parse(buffer.toString('utf8')) as T;
    } catch (err) {
      throw new TransportError(
        `${options.method} ${options.path}: the server's answer is not JSON (${(err as Error).message})`,
        { cause: err },
      );
    }
  }

  /**
   * Sends a LIST request and returns its parsed body, like {@link request}, but decodes the
   * elements of `items` while the body arrives (see ListBodyDecoder): a large list costs no
   * whole-body copy and its decoding overlaps the transfer. `transformItem` is applied to each
   * element of `items` as it is decoded; what it throws ends the request with that error.
   * Otherwise the same errors as {@link request}.
   */
  async requestList<T>(options: RequestOptions, transformItem?: (item: unknown) => unknown): Promise<T> {
    const res = await this.send(options, false);
    const body = decodedBody(res);
    const decoder = new ListBodyDecoder(transformItem);
    try {
      await readCoalesced(body, (chunk) => decoder.write(chunk));
      if (res.statusCode === 204) return undefined as T;
      return decoder.end() as T;
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (err instanceof ItemTransformFailure) throw err.cause;
      if (err instanceof SyntaxError) {
        throw new TransportError(
          `${options.method} ${options.path}: the server's answer is not JSON (${err.message})`,
          { cause: err },
        );
      }
      throw transportError(this.server, options.method, options.path, err, undefined);
    }
  }

  /**
   * Opens a streaming request (watch). Only an inactivity limit applies (`inactivityTimeoutMs`
   * between chunks, 0 = none), never a whole-request timeout. Non-2xx answers reject with
   * {@link ApiError}.
   */
  async stream(options: RequestOptions & { inactivityTimeoutMs?: number }): Promise<StreamResponse> {
    const res = await this.send(options, true);
    // Streams are not asked for gzip (see send), but a server or proxy may compress anyway.
    const body = decodedBody(res) as unknown as StreamResponse['body'];
    // undici does not always wake a pending read when the signal aborts mid-body (seen after
    // a first chunk that arrived with the headers), so the abort destroys the body itself,
    // with the reason, which every reader sees as an error.
    const signal = options.signal;
    if (signal) {
      const onAbort = () =>
        body.destroy(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        res.body.once('close', () => signal.removeEventListener('abort', onAbort));
      }
    }
    return {
      statusCode: res.statusCode,
      headers: res.headers,
      body,
      close: () => {
        // Destroying an unread body makes undici emit an AbortError; with no reader attached
        // nobody would listen, and an unheard 'error' event kills the process.
        const ignore = () => {};
        res.body.on('error', ignore);
        res.body.destroy();
        if (body !== (res.body as unknown)) {
          (body as unknown as NodeJS.EventEmitter).on('error', ignore);
          body.destroy();
        }
      },
    };
  }

  /** Releases the connection pool reference. In-flight requests finish first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.lease?.release();
  }

  /** Builds the full URL of an API path with its query (exposed for tests and diagnostics). */
  url(path: string, query?: Query): string {
    let url = this.server + path;
    if (query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
      const qs = params.toString();
      if (qs) url += `?${qs}`;
    }
    return url;
  }

  private async dispatcher(signal: AbortSignal | undefined): Promise<Dispatcher> {
    if (this.closed) throw new Error('RestClient is closed');
    const auth = this.connection.auth;
    if (auth.clientCertificate) {
      const cert = await auth.clientCertificate(signal);
      if (!this.lease || cert !== this.leaseCert) {
        const old = this.lease;
        this.lease = leaseDispatcher(this.connection, this.poolOptions, cert);
        this.leaseCert = cert;
        void old?.release();
      }
    } else if (!this.lease) {
      this.lease = leaseDispatcher(this.connection, this.poolOptions);
    }
    return this.lease.dispatcher;
  }

  private async send(
    options: RequestOptions & { inactivityTimeoutMs?: number },
    streaming: boolean,
  ): Promise<Dispatcher.ResponseData> {
    const { method, path } = options;
    const timeoutMs = streaming ? 0 : (options.timeoutMs ?? this.options.timeoutMs);
    const signal =
      timeoutMs > 0
        ? options.signal
          ? AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)])
          : AbortSignal.timeout(timeoutMs)
        : options.signal;
    const body =
      options.body === undefined || typeof options.body === 'string' || Buffer.isBuffer(options.body)
        ? (options.body as string | Buffer | undefined)
        : JSON.stringify(options.body);
    const url = this.url(path, options.query);
    let refreshedAuth = false;
    for (let attempt = 0; ; attempt++) {
      await this.limiter.acquire(signal);
      const authorization = await this.connection.auth.authorization(signal);
      const headers: Record<string, string | string[]> = {
        ...this.staticHeaders,
        accept: 'application/json',
      };
      // Streams are not asked for gzip: the apiserver compresses a watch per flush, which costs
      // both sides CPU on every event to save bytes on small frames.
      if (streaming) delete headers['accept-encoding'];
      if (authorization) headers.authorization = authorization;
      if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
      let res: Dispatcher.ResponseData;
      try {
        const dispatcher = await this.dispatcher(signal);
        res = await dispatcher.request({
          origin: new URL(url).origin,
          path: url.slice(url.indexOf('/', url.indexOf('//') + 2)),
          method,
          headers,
          body: body ?? null,
          signal: signal ?? null,
          bodyTimeout: streaming ? (options.inactivityTimeoutMs ?? 0) : timeoutMs,
          // A stream's first bytes are its headers: a server that accepts the connection but
          // never answers is as dead as one that stops mid-stream.
          headersTimeout: streaming ? options.inactivityTimeoutMs || 60_000 : timeoutMs || 60_000,
        });
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason;
        throw transportError(this.server, method, path, err, signal?.aborted ? timeoutMs : undefined);
      }
      if (res.statusCode >= 200 && res.statusCode < 300) return res;

      const text = await readErrorBody(res);
      const error = apiErrorFromResponse(res.statusCode, text, headerValue(res.headers['retry-after']), {
        method,
        path,
      });
      if (res.statusCode === 401 && !refreshedAuth) {
        refreshedAuth = true;
        if (await this.connection.auth.invalidate(authorization)) continue;
      }
      if (this.shouldRetry(method, error, attempt)) {
        const waitSeconds = Math.min(error.retryAfterSeconds ?? 1, this.options.maxRetryAfterSeconds);
        this.logger.debug('kubekit: retrying after server asked to wait', {
          method,
          path,
          code: error.code,
          waitSeconds,
          attempt: attempt + 1,
        });
        await this.clock.sleep(waitSeconds * 1000, options.signal);
        continue;
      }
      throw error;
    }
  }

  private shouldRetry(method: HttpMethod, error: ApiError, attempt: number): boolean {
    if (attempt >= this.options.maxRetries) return false;
    if (error.code === 429) return true;
    // 5xx are retried only when the server said when (Retry-After), and only for requests
    // that are safe to repeat: a POST that failed with 500 may have been applied.
    return (
      error.code >= 500 && error.retryAfterSeconds !== undefined && method !== 'POST' && method !== 'PATCH'
    );
  }
}

function impersonationHeaders(connection: ConnectionConfig): Record<string, string | string[]> {
  const imp = connection.impersonate;
  if (!imp) return {};
  const headers: Record<string, string | string[]> = {};
  if (imp.user) headers['impersonate-user'] = imp.user;
  if (imp.uid) headers['impersonate-uid'] = imp.uid;
  if (imp.groups?.length) headers['impersonate-group'] = imp.groups;
  for (const [key, values] of Object.entries(imp.extra ?? {})) {
    // Header names are case-insensitive, so keys are percent-encoded as apiserver expects.
    headers[`impersonate-extra-${encodeURIComponent(key)}`] = values;
  }
  return headers;
}

/**
 * Feeds `body` to `consume` in pieces of at least 64 KiB (and the rest at the end).
 * kube-apiserver writes HTTP chunks of 4 KiB; decoding each on its own would cost a stream
 * round trip per chunk and split far more list items across pieces. Rejects with what
 * `consume` throws (the body is then destroyed) or with the body's own error.
 */
function readCoalesced(body: NodeJS.ReadableStream, consume: (piece: Buffer) => void): Promise<void> {
  const minBytes = 64 * 1024;
  return new Promise<void>((resolve, reject) => {
    let pending: Buffer[] = [];
    let size = 0;
    let done = false;
    const flush = () => {
      if (size === 0) return;
      const piece = pending.length === 1 ? pending[0]! : Buffer.concat(pending, size);
      pending = [];
      size = 0;
      consume(piece);
    };
    const fail = (err: unknown) => {
      if (done) return;
      done = true;
      body.removeListener('data', onData);
      // Keep listening: destroying an unread body emits an error nobody else would hear.
      body.on('error', () => {});
      (body as NodeJS.ReadableStream & { destroy(): void }).destroy();
      reject(err);
    };
    // Decoding waits for the next turn of the event loop rather than running inside the
    // 'data' event: a gunzip stream cannot start on its next input until that event returns,
    // and more arrives (and coalesces) in the meantime.
    let scheduled = false;
    const run = () => {
      scheduled = false;
      if (done) return;
      try {
        flush();
      } catch (err) {
        fail(err);
      }
    };
    const onData = (chunk: Buffer) => {
      pending.push(chunk);
      size += chunk.length;
      if (size >= minBytes && !scheduled) {
        scheduled = true;
        setImmediate(run);
      }
    };
    body.on('data', onData);
    body.once('error', fail);
    body.once('end', () => {
      try {
        flush();
        done = true;
        resolve();
      } catch (err) {
        fail(err);
      }
    });
    // An aborted request or a reset connection can close the body without 'end' or 'error'.
    body.once('close', () => fail(new Error('the answer ended before it was complete')));
  });
}

/**
 * The response body, gunzipped when the server compressed it. A pipeline, not `pipe`: a body
 * that breaks must break the gunzip stream too, or its reader would wait forever.
 */
function decodedBody(res: Dispatcher.ResponseData): NodeJS.ReadableStream & { destroy(error?: Error): void } {
  if (res.headers['content-encoding'] !== 'gzip') return res.body;
  return pipeline(res.body, createGunzip({ chunkSize: 128 * 1024 }), () => {});
}

/** Whether requests to `server` ask for gzip; see {@link RestClientOptions.compression}. */
export function asksForGzip(
  server: string,
  compression: 'auto' | 'gzip' | 'none',
  disabledByKubeconfig: boolean | undefined,
): boolean {
  if (disabledByKubeconfig || compression === 'none') return false;
  if (compression === 'gzip') return true;
  let host: string;
  try {
    host = new URL(server).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return true;
  }
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1') return false;
  if (isIPv4(host)) return !host.startsWith('127.');
  // An IPv4-mapped IPv6 loopback (::ffff:127.0.0.1, which URL writes as ::ffff:7f00:1).
  return !/^::ffff:7f[0-9a-f]{2}:/i.test(host);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function readErrorBody(res: Dispatcher.ResponseData): Promise<string> {
  try {
    let buffer = Buffer.from(await res.body.arrayBuffer());
    if (res.headers['content-encoding'] === 'gzip') buffer = await gunzipAsync(buffer);
    return buffer.toString('utf8');
  } catch {
    return '';
  }
}

const tlsVerificationCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function transportError(
  server: string,
  method: string,
  path: string,
  err: unknown,
  timedOutAfterMs?: number,
): TransportError {
  const code = (err as { code?: string }).code;
  let what = timedOutAfterMs ? `timed out after ${timedOutAfterMs} ms` : (err as Error).message;
  if (code && tlsVerificationCodes.has(code)) {
    what +=
      ` (the certificate of ${server} could not be verified: check the cluster's certificate-authority` +
      ' and tls-server-name in the kubeconfig)';
  } else if (code === 'ECONNREFUSED') {
    what += ` (nothing is listening at ${server})`;
  }
  return new TransportError(
    `${method} ${path}: ${what}`,
    { cause: err },
    timedOutAfterMs ? 'ETIMEDOUT' : code,
  );
}
