import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { ConfigError } from '../../common/errors.js';
import { describeType, kubeconfigError } from './messages.js';
import type {
  AuthProviderConfig,
  Cluster,
  Context,
  ExecConfig,
  ExecEnvVar,
  ExecInteractiveMode,
  KubeConfigFile,
  NamedCluster,
  NamedContext,
  NamedExtension,
  NamedUser,
  User,
} from './types.js';

type Obj = Record<string, unknown>;

/**
 * Parses kubeconfig text (YAML or JSON) into a validated {@link KubeConfigFile}. Empty text is an
 * empty config, as in client-go. Relative file paths (CA, client cert/key, tokenFile, an exec
 * command containing a `/`) are resolved against the directory of `source` when it is given.
 *
 * @throws ConfigError naming the file, the line (for syntax errors) or field, and what to fix.
 *   Messages never quote values, so a token on a broken line does not leak into them.
 */
export function parseKubeConfigText(text: string, sourcePath?: string): KubeConfigFile {
  const source = sourcePath === undefined ? undefined : path.resolve(sourcePath);
  if (text.trim() === '') return parseKubeConfigObject(null, source);
  const lineCounter = new LineCounter();
  // prettyErrors is off: the pretty form quotes the offending source line, which may hold a token.
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    merge: true,
    uniqueKeys: true,
  });
  const first = doc.errors[0];
  if (first !== undefined) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    if (first.code === 'MULTIPLE_DOCS') {
      throw kubeconfigError(
        source,
        `holds more than one YAML document (a second one starts at line ${line})`,
        'Keep one document per file; to combine files, list them in KUBECONFIG.',
      );
    }
    // The library's message may append " at line N, column M:" plus a quote; keep only the first clause.
    const reason = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw kubeconfigError(
      source,
      `is not valid YAML: ${reason} at line ${line}, column ${col}`,
      'Fix the syntax there (kubeconfig files are YAML; check indentation and quoting).',
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw kubeconfigError(
      source,
      `could not be read as data (${err instanceof Error ? err.message.split('\n')[0] : 'unknown error'})`,
      'Remove excessive YAML aliases or custom tags.',
    );
  }
  return parseKubeConfigObject(value, source);
}

/**
 * Validates a kubeconfig-shaped object (as `YAML.parse` or `JSON.parse` would return it) and
 * returns a {@link KubeConfigFile}. Unknown fields are ignored, like client-go; wrong types,
 * nameless or duplicate entries are errors. `null` or `undefined` is an empty config.
 *
 * @throws ConfigError naming the offending field path and what to change.
 */
export function parseKubeConfigObject(value: unknown, sourcePath?: string): KubeConfigFile {
  const source = sourcePath === undefined ? undefined : path.resolve(sourcePath);
  const v = new Validator(source);
  if (value === null || value === undefined) {
    return { source, clusters: [], users: [], contexts: [] };
  }
  const root = v.object(value, '(top level)');
  const kind = v.optString(root, 'kind', '');
  if (kind !== undefined && kind !== '' && kind !== 'Config') {
    throw v.fail(`has kind "${kind}", not "Config"`, 'Point kubekit at a kubeconfig file (kind: Config).');
  }
  const apiVersion = v.optString(root, 'apiVersion', '');
  if (apiVersion !== undefined && apiVersion !== '' && apiVersion !== 'v1') {
    throw v.fail(`has apiVersion "${apiVersion}"`, 'Use "apiVersion: v1", the only kubeconfig version.');
  }
  const file: KubeConfigFile = {
    source,
    clusters: v.namedList(root, 'clusters', 'cluster', (o, p) => v.cluster(o, p)) as NamedCluster[],
    users: v.namedList(root, 'users', 'user', (o, p) => v.user(o, p)) as NamedUser[],
    contexts: v.namedList(root, 'contexts', 'context', (o, p) => v.context(o, p)) as NamedContext[],
  };
  const current = v.optString(root, 'current-context', '');
  if (current) file.currentContext = current;
  const preferences = root.preferences;
  if (preferences !== undefined && preferences !== null) {
    file.preferences = v.object(preferences, 'preferences');
  }
  const extensions = v.extensions(root, '');
  if (extensions) file.extensions = extensions;
  return file;
}

/** Field-by-field checks that remember the file for messages and resolve relative paths. */
class Validator {
  private readonly baseDir: string | undefined;

  constructor(private readonly source: string | undefined) {
    this.baseDir = source === undefined ? undefined : path.dirname(source);
  }

  fail(problem: string, fix: string): ConfigError {
    return kubeconfigError(this.source, problem, fix);
  }

  private typeError(field: string, expected: string, found: unknown): ConfigError {
    return this.fail(
      `${field} must be ${expected} (found ${describeType(found)})`,
      `Change ${field} to ${expected}.`,
    );
  }

  object(value: unknown, field: string): Obj {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.typeError(field, 'a map', value);
    }
    return value as Obj;
  }

  private join(parent: string, key: string): string {
    return parent === '' ? key : `${parent}.${key}`;
  }

  optString(o: Obj, key: string, parent: string): string | undefined {
    const val = o[key];
    if (val === undefined || val === null) return undefined;
    if (typeof val !== 'string') {
      const field = this.join(parent, key);
      throw this.fail(
        `${field} must be a string (found ${describeType(val)})`,
        `Quote the value of ${field} so YAML reads it as a string.`,
      );
    }
    return val;
  }

  private optBool(o: Obj, key: string, parent: string): boolean | undefined {
    const val = o[key];
    if (val === undefined || val === null) return undefined;
    if (typeof val !== 'boolean') throw this.typeError(this.join(parent, key), 'true or false', val);
    return val;
  }

  private optStringList(o: Obj, key: string, parent: string): string[] | undefined {
    const val = o[key];
    if (val === undefined || val === null) return undefined;
    const field = this.join(parent, key);
    if (!Array.isArray(val)) throw this.typeError(field, 'a list of strings', val);
    return val.map((item, i) => {
      if (typeof item !== 'string') throw this.typeError(`${field}[${i}]`, 'a string', item);
      return item;
    });
  }

  /** A path-valued field: relative paths are made absolute against the kubeconfig's directory. */
  private optPath(o: Obj, key: string, parent: string): string | undefined {
    const val = this.optString(o, key, parent);
    if (!val) return undefined;
    return this.baseDir !== undefined && !path.isAbsolute(val) ? path.join(this.baseDir, val) : val;
  }

  namedList(
    root: Obj,
    listKey: string,
    itemKey: string,
    convert: (o: Obj, field: string) => unknown,
  ): Array<{ name: string; source?: string }> {
    const list = root[listKey];
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) throw this.typeError(listKey, `a list of {name, ${itemKey}} entries`, list);
    const seen = new Set<string>();
    return list.map((entry, i) => {
      const field = `${listKey}[${i}]`;
      const o = this.object(entry, field);
      const name = this.optString(o, 'name', field);
      if (!name) {
        throw this.fail(`${field} has no name`, `Give every entry in ${listKey} a unique name.`);
      }
      if (seen.has(name)) {
        throw this.fail(
          `${listKey} has two entries named "${name}"`,
          `Rename or remove one of them; names must be unique within a file.`,
        );
      }
      seen.add(name);
      const body = o[itemKey];
      const itemField = `${listKey}[${i}].${itemKey}`;
      const converted = convert(
        body === undefined || body === null ? {} : this.object(body, itemField),
        itemField,
      );
      const named: Record<string, unknown> = { name, [itemKey]: converted };
      if (this.source !== undefined) named.source = this.source;
      return named as { name: string; source?: string };
    });
  }

  extensions(o: Obj, parent: string): NamedExtension[] | undefined {
    const val = o.extensions;
    if (val === undefined || val === null) return undefined;
    const field = this.join(parent, 'extensions');
    if (!Array.isArray(val)) throw this.typeError(field, 'a list of {name, extension} entries', val);
    return val.map((entry, i) => {
      const e = this.object(entry, `${field}[${i}]`);
      const name = this.optString(e, 'name', `${field}[${i}]`);
      if (!name) throw this.fail(`${field}[${i}] has no name`, 'Give every extension a name.');
      return { name, extension: e.extension };
    });
  }

  cluster(o: Obj, field: string): Cluster {
    const c: Cluster = {};
    assign(c, 'server', this.optString(o, 'server', field));
    assign(c, 'certificate-authority', this.optPath(o, 'certificate-authority', field));
    assign(c, 'certificate-authority-data', this.optString(o, 'certificate-authority-data', field));
    assign(c, 'insecure-skip-tls-verify', this.optBool(o, 'insecure-skip-tls-verify', field));
    assign(c, 'tls-server-name', this.optString(o, 'tls-server-name', field));
    assign(c, 'proxy-url', this.optString(o, 'proxy-url', field));
    assign(c, 'disable-compression', this.optBool(o, 'disable-compression', field));
    assign(c, 'extensions', this.extensions(o, field));
    return c;
  }

  user(o: Obj, field: string): User {
    const u: User = {};
    assign(u, 'client-certificate', this.optPath(o, 'client-certificate', field));
    assign(u, 'client-certificate-data', this.optString(o, 'client-certificate-data', field));
    assign(u, 'client-key', this.optPath(o, 'client-key', field));
    assign(u, 'client-key-data', this.optString(o, 'client-key-data', field));
    assign(u, 'token', this.optString(o, 'token', field));
    assign(u, 'tokenFile', this.optPath(o, 'tokenFile', field));
    assign(u, 'as', this.optString(o, 'as', field));
    assign(u, 'as-uid', this.optString(o, 'as-uid', field));
    assign(u, 'as-groups', this.optStringList(o, 'as-groups', field));
    assign(u, 'as-user-extra', this.userExtra(o, field));
    assign(u, 'username', this.optString(o, 'username', field));
    assign(u, 'password', this.optString(o, 'password', field));
    assign(u, 'auth-provider', this.authProvider(o, field));
    assign(u, 'exec', this.exec(o, field));
    assign(u, 'extensions', this.extensions(o, field));
    return u;
  }

  private userExtra(o: Obj, parent: string): Record<string, string[]> | undefined {
    const val = o['as-user-extra'];
    if (val === undefined || val === null) return undefined;
    const field = this.join(parent, 'as-user-extra');
    const m = this.object(val, field);
    const out: Record<string, string[]> = {};
    for (const key of Object.keys(m)) {
      out[key] = this.optStringList(m, key, field) ?? [];
    }
    return out;
  }

  private authProvider(o: Obj, parent: string): AuthProviderConfig | undefined {
    const val = o['auth-provider'];
    if (val === undefined || val === null) return undefined;
    const field = this.join(parent, 'auth-provider');
    const ap = this.object(val, field);
    // Only the name is kept: the config map of legacy providers holds refresh tokens and secrets.
    return { name: this.optString(ap, 'name', field) ?? '' };
  }

  private exec(o: Obj, parent: string): ExecConfig | undefined {
    const val = o.exec;
    if (val === undefined || val === null) return undefined;
    const field = this.join(parent, 'exec');
    const e = this.object(val, field);
    let command = this.optString(e, 'command', field) ?? '';
    // Like client-go, only a command containing a path separator is file-relative; a bare name is
    // looked up on PATH when the plugin runs.
    if (command.includes('/') && !path.isAbsolute(command) && this.baseDir !== undefined) {
      command = path.join(this.baseDir, command);
    }
    const exec: ExecConfig = { command, apiVersion: this.optString(e, 'apiVersion', field) ?? '' };
    assign(exec, 'args', this.optStringList(e, 'args', field));
    assign(exec, 'env', this.execEnv(e, field));
    assign(exec, 'installHint', this.optString(e, 'installHint', field));
    assign(exec, 'provideClusterInfo', this.optBool(e, 'provideClusterInfo', field));
    const mode = this.optString(e, 'interactiveMode', field);
    if (mode !== undefined && mode !== '') exec.interactiveMode = mode as ExecInteractiveMode;
    return exec;
  }

  private execEnv(e: Obj, parent: string): ExecEnvVar[] | undefined {
    const val = e.env;
    if (val === undefined || val === null) return undefined;
    const field = this.join(parent, 'env');
    if (!Array.isArray(val)) throw this.typeError(field, 'a list of {name, value} entries', val);
    return val.map((entry, i) => {
      const item = this.object(entry, `${field}[${i}]`);
      return {
        name: this.optString(item, 'name', `${field}[${i}]`) ?? '',
        value: this.optString(item, 'value', `${field}[${i}]`) ?? '',
      };
    });
  }

  context(o: Obj, field: string): Context {
    const c: Context = { cluster: this.optString(o, 'cluster', field) ?? '' };
    assign(c, 'user', this.optString(o, 'user', field));
    assign(c, 'namespace', this.optString(o, 'namespace', field));
    assign(c, 'extensions', this.extensions(o, field));
    return c;
  }
}

/** Sets `target[key]` only when the value is present, so parsed objects carry no `undefined` keys. */
function assign<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
