import { clusterSettings } from './cluster-settings.js';
import type { ConnectionConfig } from './connection-config.js';
import type { ExecClusterInfo } from './exec-credential.js';
import { opaqueIdentity } from './identity.js';
import type { MergedKubeConfig } from './merge.js';
import { describeSource, kubeconfigError } from './messages.js';
import type { AuthRuntimeOptions } from './options.js';
import { EXEC_CLUSTER_EXTENSION, type NamedCluster, type NamedContext } from './types.js';
import { userSettings } from './user-settings.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Builds the ConnectionConfig for one context of a merged kubeconfig (the current context when
 * `contextName` is undefined). Only that context, its cluster and its user are checked, as
 * client-go's `ConfirmUsable` does, so a broken entry elsewhere in the file does not matter.
 * Files named by the entries (CA, client certificate/key, token file) are read now, so problems
 * surface here rather than on the first request; exec plugins run on first use.
 *
 * @throws ConfigError with a sentence naming the file, entry and field, and what to fix.
 */
export function buildConnectionConfig(
  config: MergedKubeConfig,
  contextName: string | undefined,
  options: AuthRuntimeOptions,
): ConnectionConfig {
  const where = config.sources.length === 0 ? undefined : config.sources.join(', ');
  const context = selectContext(config, contextName, where);
  const { name, source } = context;
  const fail = (problem: string, fix: string) =>
    kubeconfigError(source, `context "${name}": ${problem}`, fix);

  const clusterName = context.context.cluster;
  if (!clusterName) throw fail('names no cluster', 'Set contexts[].context.cluster to one of the clusters.');
  const cluster = config.clusters.get(clusterName);
  if (cluster === undefined) {
    throw fail(
      `refers to cluster "${clusterName}", which is not defined in ${describeSource(where)}`,
      `Add a cluster named "${clusterName}" or point the context at one of: ${list(config.clusters.keys())}.`,
    );
  }
  const userName = context.context.user || undefined;
  const user = userName === undefined ? undefined : config.users.get(userName);
  if (userName !== undefined && user === undefined) {
    throw fail(
      `refers to user "${userName}", which is not defined in ${describeSource(where)}`,
      `Add a user named "${userName}" or point the context at one of: ${list(config.users.keys())}.`,
    );
  }
  const namespace = context.context.namespace || 'default';
  if (!DNS1123_LABEL.test(namespace) || namespace.length > 63) {
    throw fail(
      `namespace "${namespace}" is not a valid namespace name`,
      'Use lowercase letters, digits and "-" (at most 63 characters, starting and ending with a letter or digit).',
    );
  }

  const clusterPart = clusterSettings(cluster);
  const userPart = userSettings(user, execClusterInfo(cluster, clusterPart), options);

  const connection: ConnectionConfig = {
    server: clusterPart.server,
    namespace,
    tls: { ...clusterPart.tls },
    auth: userPart.auth,
    identity: opaqueIdentity([
      clusterPart.server,
      clusterPart.tls.ca,
      clusterPart.tls.serverName,
      String(clusterPart.tls.insecureSkipVerify),
      clusterPart.proxyUrl,
      String(clusterPart.disableCompression === true),
      userPart.identity,
    ]),
  };
  if (userPart.cert !== undefined) connection.tls.cert = userPart.cert;
  if (userPart.key !== undefined) connection.tls.key = userPart.key;
  if (clusterPart.proxyUrl !== undefined) connection.proxyUrl = clusterPart.proxyUrl;
  if (clusterPart.disableCompression) connection.disableCompression = true;
  if (userPart.impersonate !== undefined) connection.impersonate = userPart.impersonate;
  return connection;
}

function selectContext(
  config: MergedKubeConfig,
  requested: string | undefined,
  where: string | undefined,
): NamedContext {
  const name = requested ?? config.currentContext;
  if (name === undefined || name === '') {
    const available =
      config.contexts.size === 0 ? 'it defines no contexts' : `contexts: ${list(config.contexts.keys())}`;
    throw kubeconfigError(
      where,
      `no context is selected: current-context is not set (${available})`,
      'Set one with `kubectl config use-context NAME`, or pass a context name.',
    );
  }
  const context = config.contexts.get(name);
  if (context === undefined) {
    const origin = requested !== undefined ? 'the requested context' : 'current-context';
    throw kubeconfigError(
      where,
      `${origin} "${name}" is not defined`,
      config.contexts.size === 0
        ? 'Add a context entry for it.'
        : `Use one of: ${list(config.contexts.keys())} (kubectl config get-contexts), or add it.`,
    );
  }
  return context;
}

/** What a `provideClusterInfo` exec plugin is told about the cluster. */
function execClusterInfo(entry: NamedCluster, settings: ReturnType<typeof clusterSettings>): ExecClusterInfo {
  const info: ExecClusterInfo = { server: settings.server };
  if (settings.tls.serverName !== undefined) info['tls-server-name'] = settings.tls.serverName;
  if (settings.tls.insecureSkipVerify) info['insecure-skip-tls-verify'] = true;
  if (settings.tls.ca !== undefined) info['certificate-authority-data'] = settings.tls.ca.toString('base64');
  if (settings.proxyUrl !== undefined) info['proxy-url'] = settings.proxyUrl;
  if (settings.disableCompression) info['disable-compression'] = true;
  const ext = entry.cluster.extensions?.find((e) => e.name === EXEC_CLUSTER_EXTENSION);
  if (ext !== undefined) info.config = ext.extension;
  return info;
}

function list(names: Iterable<string>): string {
  const all = [...names];
  if (all.length === 0) return '(none)';
  const shown = all.slice(0, 10).map((n) => `"${n}"`);
  return all.length > 10 ? `${shown.join(', ')} and ${all.length - 10} more` : shown.join(', ');
}
