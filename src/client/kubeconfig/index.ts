/**
 * kubeconfig loading and authentication: everything the RestClient needs to reach a cluster as a
 * user, from a kubeconfig (KUBECONFIG list, ~/.kube/config) or a pod's service account.
 */
export { basicAuthenticator, noAuthenticator, staticTokenAuthenticator } from './authenticator.js';
export { type ClusterSettings, clusterSettings, normalizeServerUrl } from './cluster-settings.js';
export { buildConnectionConfig } from './connection.js';
export type { Authenticator, ConnectionConfig, Impersonation } from './connection-config.js';
export {
  type ExecClusterInfo,
  type ExecCredentialResult,
  execInfo,
  parseExecCredential,
} from './exec-credential.js';
export { ExecAuthenticator, type ExecAuthenticatorOptions } from './exec-plugin.js';
export { type InClusterOptions, inClusterConfig, isInCluster, SERVICE_ACCOUNT_DIR } from './in-cluster.js';
export { KubeConfig, type KubeConfigOptions, type KubeConfigSourceOptions } from './kubeconfig.js';
export {
  type DefaultConnectionOptions,
  type KubeConfigLocations,
  kubeconfigLocations,
  type LoadKubeConfigOptions,
  loadDefaultConnection,
  loadKubeConfig,
} from './load.js';
export { type MergedKubeConfig, mergeKubeConfigFiles } from './merge.js';
export {
  type AuthRuntimeOptions,
  DEFAULT_EXEC_TIMEOUT_MS,
  DEFAULT_TOKEN_FILE_REFRESH_MS,
} from './options.js';
export { parseKubeConfigObject, parseKubeConfigText } from './parse.js';
export { TokenFileAuthenticator, type TokenFileOptions } from './token-file.js';
export * from './types.js';
