import { Agent, type Dispatcher, ProxyAgent } from 'undici';
import { ConfigError } from '../common/errors.js';
import type { ConnectionConfig } from './kubeconfig/index.js';

/** Connection-pool settings shared by every client of one cluster+user. */
export interface PoolOptions {
  /** Most sockets to the server (HTTP/1.1: one in-flight request each). Default 100. */
  connections?: number;
  /** Idle socket lifetime in ms. Default 90 s, like Go's transport. */
  keepAliveTimeoutMs?: number;
  /** TCP+TLS connect timeout in ms. Default 30 s. */
  connectTimeoutMs?: number;
}

interface Entry {
  dispatcher: Dispatcher;
  refs: number;
}

// One pooled dispatcher per cluster+user (ConnectionConfig.identity), shared by every RestClient
// built from an equal configuration, as client-go shares its transport cache.
const pool = new Map<string, Entry>();

/** A reference to a pooled dispatcher; `release()` closes it when the last user lets go. */
export interface DispatcherLease {
  readonly dispatcher: Dispatcher;
  release(): Promise<void>;
}

/**
 * Returns the shared dispatcher for `connection` (creating it on first use). `clientCert`
 * overrides the static certificate (exec plugins that return certificates): such dispatchers
 * are not shared, because the certificate can change under them.
 */
export function leaseDispatcher(
  connection: ConnectionConfig,
  options: PoolOptions = {},
  clientCert?: { cert: Buffer; key: Buffer },
): DispatcherLease {
  if (clientCert) {
    const dispatcher = createDispatcher(connection, options, clientCert);
    return { dispatcher, release: () => closeWithGrace(dispatcher) };
  }
  const key = `${connection.identity}|${options.connections ?? ''}|${options.keepAliveTimeoutMs ?? ''}`;
  let entry = pool.get(key);
  if (!entry) {
    entry = { dispatcher: createDispatcher(connection, options), refs: 0 };
    pool.set(key, entry);
  }
  entry.refs++;
  const leased = entry;
  let released = false;
  return {
    dispatcher: leased.dispatcher,
    async release() {
      if (released) return;
      released = true;
      if (--leased.refs === 0) {
        pool.delete(key);
        await closeWithGrace(leased.dispatcher);
      }
    },
  };
}

/** How long in-flight requests get to finish when the last user releases a dispatcher. */
const closeGraceMs = 5_000;

// close() waits for every in-flight request, and a forgotten watch never finishes: after a
// grace period the remaining sockets are destroyed so closing can never hang.
async function closeWithGrace(dispatcher: Dispatcher): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closed = dispatcher.close().then(() => true);
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), closeGraceMs);
  });
  try {
    if (!(await Promise.race([closed, late]))) await dispatcher.destroy();
  } finally {
    clearTimeout(timer);
  }
}

function createDispatcher(
  connection: ConnectionConfig,
  options: PoolOptions,
  clientCert?: { cert: Buffer; key: Buffer },
): Dispatcher {
  const { tls } = connection;
  const cert = clientCert?.cert ?? tls.cert;
  const key = clientCert?.key ?? tls.key;
  const tlsOptions = {
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(cert && key ? { cert, key } : {}),
    ...(tls.serverName ? { servername: tls.serverName } : {}),
    // Verification stays on unless the kubeconfig explicitly turned it off.
    rejectUnauthorized: !tls.insecureSkipVerify,
  };
  const agentOptions = {
    connections: options.connections ?? 100,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 90_000,
    keepAliveMaxTimeout: Math.max(options.keepAliveTimeoutMs ?? 90_000, 600_000),
    connectTimeout: options.connectTimeoutMs ?? 30_000,
    // Watches are long-lived; their inactivity limit is set per request as bodyTimeout.
    bodyTimeout: 0,
    headersTimeout: 0,
  };
  if (connection.proxyUrl) {
    const scheme = connection.proxyUrl.split(':', 1)[0]?.toLowerCase();
    if (scheme === 'http' || scheme === 'https') {
      return new ProxyAgent({ uri: connection.proxyUrl, requestTls: tlsOptions, ...agentOptions });
    }
    // undici's SOCKS5 agent is experimental and cannot yet carry our TLS settings to the
    // target, so a socks5 proxy-url is refused rather than silently connecting without them.
    throw new ConfigError(
      `proxy-url scheme "${scheme}:" is not supported by kubekit yet; use an http or https proxy.`,
    );
  }
  return new Agent({ connect: tlsOptions, ...agentOptions });
}
