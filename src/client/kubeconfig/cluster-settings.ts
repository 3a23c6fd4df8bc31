import { readFileSync } from 'node:fs';
import type { ConnectionConfig } from './connection-config.js';
import { describeFileError, kubeconfigError, redactUrl } from './messages.js';
import { certificateProblem, decodeBase64 } from './tls-material.js';
import type { NamedCluster } from './types.js';

/** The cluster half of a ConnectionConfig, checked. */
export interface ClusterSettings {
  server: string;
  tls: Pick<ConnectionConfig['tls'], 'ca' | 'serverName' | 'insecureSkipVerify'>;
  proxyUrl?: string;
  disableCompression?: boolean;
}

/**
 * Turns a cluster entry into connection settings: a normalised server URL, the CA bundle (read
 * from its file or decoded, and checked to parse), `tls-server-name`, `proxy-url` and
 * `insecure-skip-tls-verify`.
 *
 * @throws ConfigError naming the kubeconfig file, the cluster and the field, with the fix.
 */
export function clusterSettings(entry: NamedCluster): ClusterSettings {
  const { cluster, source } = entry;
  const fail = (problem: string, fix: string) =>
    kubeconfigError(source, `cluster "${entry.name}": ${problem}`, fix);

  const ca = loadCa(entry);
  const insecure = cluster['insecure-skip-tls-verify'] === true;
  if (insecure && ca !== undefined) {
    throw fail(
      'insecure-skip-tls-verify is true and a certificate authority is also set, a combination client-go rejects',
      'Remove insecure-skip-tls-verify (preferred) or the certificate authority.',
    );
  }
  const serverName = cluster['tls-server-name'] || undefined;

  const rawServer = cluster.server?.trim() ?? '';
  if (rawServer === '') {
    throw fail(
      'has no server',
      'Set clusters[].cluster.server to the API server URL, e.g. https://127.0.0.1:6443.',
    );
  }
  const hasTls = ca !== undefined || insecure || serverName !== undefined;
  const server = normalizeServerUrl(rawServer, hasTls);
  if (typeof server !== 'string') {
    throw fail(
      `server "${redactUrl(rawServer)}" ${server.problem}`,
      'Set server to a URL such as https://127.0.0.1:6443.',
    );
  }

  const settings: ClusterSettings = { server, tls: { insecureSkipVerify: insecure } };
  if (ca !== undefined) settings.tls.ca = ca;
  if (serverName !== undefined) settings.tls.serverName = serverName;
  const proxy = cluster['proxy-url']?.trim();
  if (proxy) {
    const problem = proxyUrlProblem(proxy);
    if (problem !== undefined) {
      throw fail(
        `proxy-url "${redactUrl(proxy)}" ${problem}`,
        'Use an http://, https:// or socks5:// proxy URL.',
      );
    }
    settings.proxyUrl = proxy;
  }
  if (cluster['disable-compression'] === true) settings.disableCompression = true;
  return settings;
}

function loadCa(entry: NamedCluster): Buffer | undefined {
  const { cluster, source } = entry;
  const fail = (problem: string, fix: string) =>
    kubeconfigError(source, `cluster "${entry.name}": ${problem}`, fix);
  const file = cluster['certificate-authority'] || undefined;
  const data = cluster['certificate-authority-data'] || undefined;
  if (file !== undefined && data !== undefined) {
    throw fail('sets both certificate-authority and certificate-authority-data', 'Remove one of them.');
  }
  if (data !== undefined) {
    const buf = decodeBase64(data);
    if (buf === undefined) {
      throw fail(
        'certificate-authority-data is not valid base64',
        'Set it to the base64 of a PEM CA bundle (base64 -w0 ca.crt).',
      );
    }
    const problem = certificateProblem(buf);
    if (problem !== undefined) {
      throw fail(`certificate-authority-data ${problem}`, 'Set it to the base64 of a PEM CA bundle.');
    }
    return buf;
  }
  if (file !== undefined) {
    let buf: Buffer;
    try {
      buf = readFileSync(file);
    } catch (err) {
      throw fail(
        `certificate-authority ${file} could not be read (${describeFileError(err)})`,
        'Fix the path, or inline the bundle with certificate-authority-data.',
      );
    }
    const problem = certificateProblem(buf);
    if (problem !== undefined) {
      throw fail(`certificate-authority ${file} ${problem}`, 'Point it at a PEM CA bundle.');
    }
    return buf;
  }
  return undefined;
}

/**
 * Normalises an API server address: a full `http(s)://` URL is kept (minus trailing slashes); a
 * scheme-less `host:port` gets `https://` when any TLS setting is present, else `http://`, as
 * client-go defaults it. Returns a phrase for anything that is not a usable server URL.
 */
export function normalizeServerUrl(raw: string, hasTls: boolean): string | { problem: string } {
  const withScheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(raw)
    ? raw
    : `${hasTls ? 'https' : 'http'}://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return { problem: 'is not a valid URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { problem: `uses the scheme ${url.protocol.slice(0, -1)}, but only https and http are supported` };
  }
  if (url.hostname === '') return { problem: 'has no host' };
  if (url.username !== '' || url.password !== '') {
    return { problem: 'contains a username or password; credentials belong in the user entry' };
  }
  if (url.search !== '' || url.hash !== '')
    return { problem: 'must not contain a query (?) or fragment (#)' };
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** Why a `proxy-url` cannot be used (client-go accepts http, https and socks5), or undefined. */
export function proxyUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (!['http:', 'https:', 'socks5:'].includes(url.protocol)) {
    return `uses the unsupported scheme ${url.protocol.slice(0, -1)}`;
  }
  if (url.hostname === '') return 'has no host';
  return undefined;
}
