import { buildConnectionConfig } from './connection.js';
import type { ConnectionConfig } from './connection-config.js';
import { type MergedKubeConfig, mergeKubeConfigFiles } from './merge.js';
import { describeSource, kubeconfigError } from './messages.js';
import type { AuthRuntimeOptions } from './options.js';
import { parseKubeConfigObject, parseKubeConfigText } from './parse.js';
import type { KubeConfigFile, NamedCluster, NamedContext, NamedExtension, NamedUser } from './types.js';

/** Options for building a {@link KubeConfig}. */
export interface KubeConfigOptions extends AuthRuntimeOptions {
  /** Use this context instead of the file's current-context (kubectl's `--context`). */
  context?: string;
}

/** Options for {@link KubeConfig.fromString} and {@link KubeConfig.fromObject}. */
export interface KubeConfigSourceOptions extends KubeConfigOptions {
  /**
   * The path the text came from: named in error messages, and relative paths in the config are
   * resolved against its directory. Without it, relative paths are left as they are (and so
   * resolve against the working directory when used).
   */
  source?: string;
}

/**
 * A parsed, merged kubeconfig: clusters, users and contexts by name, and the current context.
 * Immutable; {@link KubeConfig.withContext} returns a copy with another current context.
 *
 * Loading checks syntax and structure of every file (YAML errors with their line, wrong types,
 * nameless or duplicate entries). The meaning of an entry (does its CA file exist, does its
 * certificate parse, is its server a URL) is checked by {@link KubeConfig.connectionConfig} for
 * the context being used only, as kubectl does.
 */
export class KubeConfig {
  /** Clusters by name; each entry remembers the file it came from (`source`). */
  readonly clusters: ReadonlyMap<string, NamedCluster>;
  /** Users ("AuthInfos" in client-go) by name. */
  readonly users: ReadonlyMap<string, NamedUser>;
  /** Contexts by name. */
  readonly contexts: ReadonlyMap<string, NamedContext>;
  /** The selected context: the `context` option, else the first file's `current-context`. */
  readonly currentContext: string | undefined;
  /** The files merged into this config, in precedence order (empty for text or objects without `source`). */
  readonly sources: readonly string[];
  readonly preferences: Readonly<Record<string, unknown>> | undefined;
  readonly extensions: readonly NamedExtension[] | undefined;

  private constructor(
    private readonly merged: MergedKubeConfig,
    private readonly options: KubeConfigOptions,
  ) {
    this.clusters = merged.clusters;
    this.users = merged.users;
    this.contexts = merged.contexts;
    this.sources = merged.sources;
    this.preferences = merged.preferences;
    this.extensions = merged.extensions;
    const requested = options.context || undefined;
    if (requested !== undefined && !merged.contexts.has(requested)) {
      throw kubeconfigError(
        merged.sources.length === 0 ? undefined : merged.sources.join(', '),
        `the requested context "${requested}" is not defined`,
        merged.contexts.size === 0
          ? 'Add a context entry for it.'
          : `Use one of: ${[...merged.contexts.keys()].map((n) => `"${n}"`).join(', ')}.`,
      );
    }
    this.currentContext = requested ?? merged.currentContext;
  }

  /**
   * Parses kubeconfig YAML (or JSON) text.
   *
   * @throws ConfigError for syntax errors (with line and column), wrong field types, nameless or
   *   duplicate entries, or an unknown `context` option.
   */
  static fromString(text: string, options: KubeConfigSourceOptions = {}): KubeConfig {
    return KubeConfig.fromFiles([parseKubeConfigText(text, options.source)], options);
  }

  /**
   * Validates a kubeconfig-shaped object (kebab-case fields, as the file has them).
   *
   * @throws ConfigError as {@link KubeConfig.fromString} does.
   */
  static fromObject(value: unknown, options: KubeConfigSourceOptions = {}): KubeConfig {
    return KubeConfig.fromFiles([parseKubeConfigObject(value, options.source)], options);
  }

  /**
   * Merges already-parsed files in precedence order (first file to define a name or set
   * current-context wins), as {@link loadKubeConfig} does for a `KUBECONFIG` list.
   *
   * @throws ConfigError for an unknown `context` option.
   */
  static fromFiles(files: readonly KubeConfigFile[], options: KubeConfigOptions = {}): KubeConfig {
    return new KubeConfig(mergeKubeConfigFiles(files), options);
  }

  /**
   * A copy of this config whose current context is `name`.
   *
   * @throws ConfigError when no context has that name.
   */
  withContext(name: string): KubeConfig {
    return new KubeConfig(this.merged, { ...this.options, context: name });
  }

  /** Whether no file contributed any cluster, user, context or current-context. */
  isEmpty(): boolean {
    return (
      this.clusters.size === 0 &&
      this.users.size === 0 &&
      this.contexts.size === 0 &&
      this.currentContext === undefined
    );
  }

  /**
   * The connection settings of a context (default: the current context): server URL, namespace,
   * TLS material, proxy, impersonation, an {@link Authenticator} and a pooling identity.
   * Authenticators that cache (token files, exec plugins) are shared with every other
   * ConnectionConfig built for the same user settings and clock.
   *
   * @throws ConfigError with a sentence saying what is wrong and what to fix: no or unknown
   *   context, a missing cluster or user, a bad server URL, unreadable or unparseable
   *   certificate files (named), conflicting fields, an unsupported auth-provider or exec setup.
   */
  connectionConfig(contextName?: string): ConnectionConfig {
    if (contextName) return buildConnectionConfig(this.merged, contextName, this.options);
    // The current context may come from the `context` option rather than the files.
    return buildConnectionConfig(
      { ...this.merged, currentContext: this.currentContext },
      undefined,
      this.options,
    );
  }

  /** Describes where this config came from, e.g. for log lines: the file list or "the kubeconfig". */
  describe(): string {
    return describeSource(this.sources.length === 0 ? undefined : this.sources.join(', '));
  }
}
