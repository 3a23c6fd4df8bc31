import { keyPairProblem } from './tls-material.js';

/**
 * Cluster details given to a plugin that sets `provideClusterInfo` (ExecCredential
 * `spec.cluster`; field names as in the client.authentication.k8s.io API).
 */
export interface ExecClusterInfo {
  server: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  /** Base64 of the CA bundle (read from the file when the kubeconfig names a file). */
  'certificate-authority-data'?: string;
  'proxy-url'?: string;
  'disable-compression'?: boolean;
  /** The cluster's `client.authentication.k8s.io/exec` extension, passed through as is. */
  config?: unknown;
}

/** Credentials a plugin returned, parsed and checked. */
export interface ExecCredentialResult {
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  /** `status.expirationTimestamp` in wall-clock epoch milliseconds; undefined = until a 401. */
  expiresAt?: number;
}

/**
 * The `KUBERNETES_EXEC_INFO` value: an ExecCredential whose spec says the plugin is not
 * interactive (kubekit never has a terminal to give it) and, when asked for, describes the cluster.
 */
export function execInfo(apiVersion: string, cluster: ExecClusterInfo | undefined): string {
  const spec: Record<string, unknown> = { interactive: false };
  if (cluster !== undefined) spec.cluster = cluster;
  return JSON.stringify({ apiVersion, kind: 'ExecCredential', spec });
}

/**
 * Parses and checks a plugin's standard output against the configured API version: it must be an
 * ExecCredential of that version whose status carries a token and/or a matching client
 * certificate and key, with an optional RFC 3339 expiry. Returns a phrase describing the first
 * problem instead of throwing, so the caller can name the plugin and user; the phrase never
 * quotes the output, which may hold a credential.
 */
export function parseExecCredential(
  stdout: Buffer,
  apiVersion: string,
): ExecCredentialResult | { problem: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout.toString('utf8'));
  } catch {
    const size = stdout.length === 0 ? 'nothing' : `${stdout.length} bytes that are not JSON`;
    return { problem: `printed ${size} on standard output instead of an ExecCredential JSON object` };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { problem: 'printed JSON that is not an ExecCredential object' };
  }
  const obj = doc as Record<string, unknown>;
  if (obj.kind !== 'ExecCredential') {
    return { problem: `printed an object of kind ${shortLabel(obj.kind)} instead of ExecCredential` };
  }
  if (obj.apiVersion !== apiVersion) {
    return {
      problem: `returned apiVersion ${shortLabel(obj.apiVersion)} but the kubeconfig asks for ${apiVersion}`,
    };
  }
  const status = obj.status;
  if (typeof status !== 'object' || status === null || Array.isArray(status)) {
    return { problem: 'returned an ExecCredential without a status' };
  }
  const s = status as Record<string, unknown>;
  for (const field of ['token', 'clientCertificateData', 'clientKeyData', 'expirationTimestamp']) {
    if (s[field] !== undefined && s[field] !== null && typeof s[field] !== 'string') {
      return { problem: `returned status.${field} that is not a string` };
    }
  }
  const token = (s.token as string | undefined) || undefined;
  const certText = (s.clientCertificateData as string | undefined) || undefined;
  const keyText = (s.clientKeyData as string | undefined) || undefined;
  if (token === undefined && certText === undefined && keyText === undefined) {
    return { problem: 'returned neither a token nor a client certificate and key' };
  }
  if ((certText === undefined) !== (keyText === undefined)) {
    return {
      problem: 'returned only one of clientCertificateData and clientKeyData; it must return both or neither',
    };
  }
  const result: ExecCredentialResult = {};
  if (token !== undefined) result.token = token;
  if (certText !== undefined && keyText !== undefined) {
    const cert = Buffer.from(certText, 'utf8');
    const key = Buffer.from(keyText, 'utf8');
    const bad = keyPairProblem(cert, key);
    if (bad?.cert !== undefined) return { problem: `returned clientCertificateData that ${bad.cert}` };
    if (bad?.key !== undefined) return { problem: `returned clientKeyData that ${bad.key}` };
    if (bad?.pair !== undefined)
      return { problem: `returned a client certificate and key that do not match` };
    result.cert = cert;
    result.key = key;
  }
  const expiry = (s.expirationTimestamp as string | undefined) || undefined;
  if (expiry !== undefined) {
    const at = parseRfc3339(expiry);
    if (at === undefined) {
      return { problem: 'returned a status.expirationTimestamp that is not an RFC 3339 time' };
    }
    result.expiresAt = at;
  }
  return result;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp (with a zone) to epoch milliseconds; undefined when malformed. */
export function parseRfc3339(text: string): number | undefined {
  if (!RFC3339.test(text)) return undefined;
  const ms = Date.parse(text.replace(' ', 'T'));
  return Number.isNaN(ms) ? undefined : ms;
}

/** A non-secret value (kind, apiVersion) for a message: short strings quoted, anything else by type. */
function shortLabel(value: unknown): string {
  if (typeof value === 'string' && value.length <= 80 && /^[\w./-]*$/.test(value)) return `"${value}"`;
  return value === undefined ? '(none)' : '(unrecognised value)';
}
