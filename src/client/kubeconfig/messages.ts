import { ConfigError } from '../../common/errors.js';

/**
 * Names where a kubeconfig entry came from, for the start of an error sentence:
 * `kubeconfig /home/me/.kube/config` or `the kubeconfig` when it was given as text or an object.
 */
export function describeSource(source: string | undefined): string {
  return source === undefined ? 'the kubeconfig' : `kubeconfig ${source}`;
}

/**
 * Builds the ConfigError for a problem in one kubeconfig: `<source>: <problem>. <fix>`. Callers
 * pass only names, paths and field names, never values of credential fields.
 */
export function kubeconfigError(source: string | undefined, problem: string, fix: string): ConfigError {
  return new ConfigError(`${describeSource(source)}: ${problem}. ${fix}`);
}

/** Describes a JSON/YAML value's type for "must be X (found Y)" messages, never its content. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
    case 'bigint':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'a map';
    default:
      return typeof value;
  }
}

/**
 * Removes credentials from a URL before it goes into a message or a log line: userinfo
 * (`https://user:pass@host`) is replaced by `***@`. Text that is not a URL is returned unchanged.
 */
export function redactUrl(raw: string): string {
  return raw.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/@?#]*@/, '$1***@');
}

/** Returns an error's `code` (e.g. `ENOENT`) when it has one, for short file-error descriptions. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') {
    return err.code;
  }
  return undefined;
}

/** A short, credential-free description of why a file could not be read. */
export function describeFileError(err: unknown): string {
  const code = errnoCode(err);
  switch (code) {
    case 'ENOENT':
      return 'it does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case undefined:
      return err instanceof Error ? err.message : String(err);
    default:
      return code;
  }
}

/**
 * Makes a plugin's standard error fit for an error message: bearer tokens, JWTs and PEM private
 * keys that a chatty plugin might print are replaced by `[redacted]`, whitespace is collapsed, and
 * only the last `maxChars` characters are kept (the end of the output says why it failed).
 */
export function sanitizeStderr(text: string, maxChars = 2000): string {
  let out = text
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[redacted]')
    .replace(/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, '[redacted]')
    .replace(/\b(bearer|basic)\s+[\w.~+/=-]{8,}/gi, '$1 [redacted]')
    .replace(/\s+/g, ' ')
    .trim();
  if (out.length > maxChars) out = `…${out.slice(-maxChars)}`;
  return out;
}
