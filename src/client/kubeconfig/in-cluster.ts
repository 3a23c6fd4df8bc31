import { readFileSync } from 'node:fs';
import path from 'node:path';
import { realClock } from '../../common/clock.js';
import { ConfigError } from '../../common/errors.js';
import { silentLogger } from '../../common/logger.js';
import type { ConnectionConfig } from './connection-config.js';
import { opaqueIdentity } from './identity.js';
import { describeFileError } from './messages.js';
import { type AuthRuntimeOptions, DEFAULT_TOKEN_FILE_REFRESH_MS } from './options.js';
import { sharedAuthenticator } from './shared-authenticators.js';
import { certificateProblem } from './tls-material.js';
import { readTokenFileSync, TokenFileAuthenticator } from './token-file.js';

/** Where a pod's service-account credentials are mounted. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Options for {@link inClusterConfig}. */
export interface InClusterOptions extends AuthRuntimeOptions {
  /**
   * Filesystem root under which the service-account directory is looked up (tests point this at
   * a temporary directory holding `var/run/secrets/kubernetes.io/serviceaccount/`). Default `/`.
   */
  root?: string;
  /** Environment to read `KUBERNETES_SERVICE_HOST`/`_PORT` and `POD_NAMESPACE` from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Whether in-cluster configuration can be attempted: both `KUBERNETES_SERVICE_HOST` and
 * `KUBERNETES_SERVICE_PORT` are set (the kubelet sets them in every pod).
 */
export function isInCluster(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.KUBERNETES_SERVICE_HOST) && Boolean(env.KUBERNETES_SERVICE_PORT);
}

/**
 * The connection of a pod to its own cluster, as client-go's `InClusterConfig`: server
 * `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`, the service-account token (re-read
 * every minute and after a 401, so kubelet-rotated projected tokens keep working), the
 * service-account CA, and the namespace from `POD_NAMESPACE`, else the service-account
 * `namespace` file, else `default`.
 *
 * A missing `ca.crt` is tolerated with a warning (system roots are used), as in client-go; a
 * `ca.crt` that is present but does not parse is an error.
 *
 * @throws ConfigError when the environment variables are missing (not in a pod) or do not form an
 *   address (a port outside 1-65535, a host that is not a name or IP), the token file cannot be
 *   read or is empty, or `ca.crt` is not a PEM bundle.
 */
export function inClusterConfig(options: InClusterOptions = {}): ConnectionConfig {
  const env = options.env ?? process.env;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new ConfigError(
      'in-cluster configuration needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, which are not set, so this is not running in a pod. Run it in a pod, or use a kubeconfig (KUBECONFIG or ~/.kube/config).',
    );
  }
  // 1-65535: a larger number passes a digits-only check but makes every request fail later with
  // an "Invalid URL" transport error instead of this configuration error.
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw new ConfigError(
      `in-cluster configuration: KUBERNETES_SERVICE_PORT "${port}" is not a port number. Set it to the API server's port (e.g. 443).`,
    );
  }
  // Brackets for an IPv6 service address, as Go's net.JoinHostPort adds them.
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const server = `https://${hostPart}:${port}`;
  if (!isPlainOrigin(server)) {
    throw new ConfigError(
      `in-cluster configuration: KUBERNETES_SERVICE_HOST "${host}" is not a host name or IP address. Set it to the API server's address (the kubelet sets it to the kubernetes Service's cluster IP).`,
    );
  }
  const clock = options.clock ?? realClock;
  const logger = options.logger ?? silentLogger;
  const dir = path.join(options.root ?? '/', SERVICE_ACCOUNT_DIR);
  const tokenPath = path.join(dir, 'token');
  const caPath = path.join(dir, 'ca.crt');
  const describe = 'in-cluster configuration';

  const initialToken = readTokenFileSync(tokenPath, describe);

  let ca: Buffer | undefined;
  try {
    ca = readFileSync(caPath);
  } catch (err) {
    logger.warn('in-cluster CA file could not be read; using the system roots', {
      path: caPath,
      problem: describeFileError(err),
    });
  }
  if (ca !== undefined) {
    const problem = certificateProblem(ca);
    if (problem !== undefined) {
      throw new ConfigError(`${describe}: ${caPath} ${problem}. Check the service account's CA mount.`);
    }
  }

  let namespace = env.POD_NAMESPACE || undefined;
  if (namespace === undefined) {
    try {
      namespace = readFileSync(path.join(dir, 'namespace'), 'utf8').trim() || undefined;
    } catch {
      // No namespace file (e.g. automountServiceAccountToken with a custom volume): use the default.
    }
  }

  const refreshMs = options.tokenFileRefreshMs ?? DEFAULT_TOKEN_FILE_REFRESH_MS;
  const auth = sharedAuthenticator(
    clock,
    opaqueIdentity(['tokenFile', tokenPath, String(refreshMs)]),
    () => new TokenFileAuthenticator({ path: tokenPath, clock, logger, refreshMs, describe, initialToken }),
  );
  const connection: ConnectionConfig = {
    server,
    namespace: namespace ?? 'default',
    tls: { insecureSkipVerify: false },
    auth,
    identity: opaqueIdentity([server, ca, 'in-cluster', 'tokenFile', tokenPath]),
  };
  if (ca !== undefined) connection.tls.ca = ca;
  return connection;
}

/** Whether `url` parses as scheme://host:port and nothing else (no credentials, path, query or fragment). */
function isPlainOrigin(url: string): boolean {
  try {
    const u = new URL(url);
    return (
      u.hostname !== '' &&
      u.username === '' &&
      u.password === '' &&
      u.pathname === '/' &&
      u.search === '' &&
      u.hash === '' &&
      !url.endsWith('/')
    );
  } catch {
    return false;
  }
}
