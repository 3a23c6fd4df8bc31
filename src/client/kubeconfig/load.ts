import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../common/errors.js';
import { silentLogger } from '../../common/logger.js';
import type { ConnectionConfig } from './connection-config.js';
import { type InClusterOptions, inClusterConfig, isInCluster } from './in-cluster.js';
import { KubeConfig, type KubeConfigOptions } from './kubeconfig.js';
import { describeFileError, errnoCode } from './messages.js';
import { parseKubeConfigText } from './parse.js';
import type { KubeConfigFile } from './types.js';

/** Options for {@link loadKubeConfig}. */
export interface LoadKubeConfigOptions extends KubeConfigOptions {
  /** An explicit kubeconfig path (kubectl's `--kubeconfig`): used alone, and it must exist. */
  kubeconfig?: string;
  /** Environment to read `KUBECONFIG` and `HOME` from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Home directory for `~/.kube/config`. Default: `env.HOME`, else `os.homedir()`. */
  homeDir?: string;
}

/** Where kubeconfig files are looked for, and whether the list came from `KUBECONFIG`. */
export interface KubeConfigLocations {
  paths: string[];
  from: 'explicit' | 'KUBECONFIG' | 'home';
}

/**
 * The kubeconfig files to load, in precedence order, by kubectl's rules: an explicit path alone;
 * else the `KUBECONFIG` list (split on the platform's path delimiter, `:` on Unix; empty entries
 * dropped, duplicates kept once); else `~/.kube/config`.
 */
export function kubeconfigLocations(options: LoadKubeConfigOptions = {}): KubeConfigLocations {
  if (options.kubeconfig) return { paths: [path.resolve(options.kubeconfig)], from: 'explicit' };
  const env = options.env ?? process.env;
  const list = env.KUBECONFIG;
  if (list) {
    const paths = [...new Set(list.split(path.delimiter).filter((p) => p !== ''))].map((p) =>
      path.resolve(p),
    );
    if (paths.length > 0) return { paths: [...new Set(paths)], from: 'KUBECONFIG' };
  }
  return { paths: [path.join(homeDirectory(options), '.kube', 'config')], from: 'home' };
}

function homeDirectory(options: LoadKubeConfigOptions): string {
  return options.homeDir ?? (options.env ?? process.env).HOME ?? os.homedir();
}

/**
 * Loads and merges kubeconfig files like kubectl: an explicit `kubeconfig` path (which must
 * exist), else every existing file of the `KUBECONFIG` list (missing ones are skipped; if none
 * exists that is an error), else `~/.kube/config` (which must exist). Merging: the first file to
 * define a cluster, user or context name wins, whole; the first to set current-context wins.
 * Relative paths inside a file are resolved against that file's directory.
 *
 * @throws ConfigError naming the file: not found, unreadable, invalid YAML (with line), or invalid
 *   structure; or an unknown `context`.
 */
export async function loadKubeConfig(options: LoadKubeConfigOptions = {}): Promise<KubeConfig> {
  const { paths, from } = kubeconfigLocations(options);
  const logger = options.logger ?? silentLogger;
  const files: KubeConfigFile[] = [];
  const missing: string[] = [];
  for (const file of paths) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' && from === 'KUBECONFIG') {
        missing.push(file);
        continue;
      }
      throw new ConfigError(kubeconfigReadMessage(file, from, err));
    }
    files.push(parseKubeConfigText(text, file));
  }
  if (files.length === 0) {
    throw new ConfigError(
      `none of the kubeconfig files listed in KUBECONFIG exists (${missing.join(', ')}). Fix KUBECONFIG, or unset it to use ~/.kube/config.`,
    );
  }
  if (missing.length > 0) logger.debug('skipped kubeconfig files that do not exist', { missing });
  return KubeConfig.fromFiles(files, options);
}

function kubeconfigReadMessage(file: string, from: KubeConfigLocations['from'], err: unknown): string {
  const problem = describeFileError(err);
  switch (from) {
    case 'explicit':
      return `kubeconfig ${file} could not be read (${problem}). Fix the path passed as kubeconfig.`;
    case 'KUBECONFIG':
      return `kubeconfig ${file} (listed in KUBECONFIG) could not be read (${problem}). Fix its permissions or remove it from KUBECONFIG.`;
    case 'home':
      return errnoCode(err) === 'ENOENT'
        ? `no kubeconfig found: KUBECONFIG is not set and ${file} does not exist. Create it (e.g. with kubectl config), or set KUBECONFIG.`
        : `kubeconfig ${file} could not be read (${problem}). Fix its permissions, or set KUBECONFIG to another file.`;
  }
}

/** Options for {@link loadDefaultConnection}. */
export interface DefaultConnectionOptions extends LoadKubeConfigOptions, Pick<InClusterOptions, 'root'> {}

/**
 * Finds the connection a program should use by default, in client-go's order: an explicit
 * `kubeconfig` path; else `KUBECONFIG`; else `~/.kube/config` if it exists; else, inside a pod,
 * the in-cluster service account. A kubeconfig that exists but is empty falls through to the
 * in-cluster configuration when running in a pod, as client-go's deferred loading does.
 *
 * @throws ConfigError when nothing applies (saying what to set), or with the error of the chosen
 *   source (e.g. an unknown context, an unreadable certificate).
 */
export async function loadDefaultConnection(
  options: DefaultConnectionOptions = {},
): Promise<ConnectionConfig> {
  const env = options.env ?? process.env;
  const { paths, from } = kubeconfigLocations(options);
  const inCluster = () => {
    if (options.context) {
      throw new ConfigError(
        `context "${options.context}" was requested, but there is no kubeconfig (KUBECONFIG is not set and ${paths[0]} does not exist). Set KUBECONFIG, or drop the context to use the in-cluster service account.`,
      );
    }
    return inClusterConfig({ ...options, env });
  };
  if (from === 'home' && !(await exists(paths[0]!))) {
    if (isInCluster(env)) return inCluster();
    // One sentence covering every option rather than only "~/.kube/config does not exist".
    throw new ConfigError(
      `no Kubernetes configuration found: KUBECONFIG is not set, ${paths[0]} does not exist, and this is not a pod (KUBERNETES_SERVICE_HOST is not set). Set KUBECONFIG, create ${paths[0]}, or run in a pod.`,
    );
  }
  const config = await loadKubeConfig(options);
  if (from !== 'explicit' && config.isEmpty() && isInCluster(env)) return inCluster();
  return config.connectionConfig();
}

/** Whether a path exists; errors other than "not found" count as existing so that loading reports them. */
async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    return errnoCode(err) !== 'ENOENT';
  }
}
