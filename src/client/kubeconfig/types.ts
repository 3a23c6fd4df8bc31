/**
 * The kubeconfig file format (`apiVersion: v1`, `kind: Config`) as TypeScript types. Field names
 * are spelled exactly as they appear in the file (kebab-case, plus the few camelCase fields the
 * format has, such as `tokenFile` and everything under `exec`), so a parsed file can be read
 * against the Kubernetes documentation without a translation table.
 */

/** A cluster entry: where the API server is and how to trust it. */
export interface Cluster {
  /** API server URL, e.g. `https://127.0.0.1:6443`; may carry a path prefix. */
  server?: string;
  /** Path of a PEM CA bundle; relative paths are resolved against the kubeconfig file's directory. */
  'certificate-authority'?: string;
  /** Base64 of a PEM CA bundle. */
  'certificate-authority-data'?: string;
  /** Skip server certificate verification. Never combined with a CA. */
  'insecure-skip-tls-verify'?: boolean;
  /** Name to verify the server certificate against (and send as SNI) instead of the URL's host. */
  'tls-server-name'?: string;
  /** Proxy for all requests to this cluster (`http`, `https` or `socks5`). */
  'proxy-url'?: string;
  /** Ask the server not to compress responses. */
  'disable-compression'?: boolean;
  extensions?: NamedExtension[];
}

/** An exec credential plugin's `env` entry. */
export interface ExecEnvVar {
  name: string;
  value: string;
}

/** Whether an exec plugin may use standard input. kubekit never has a terminal to give it. */
export type ExecInteractiveMode = 'Never' | 'IfAvailable' | 'Always';

/** `users[].user.exec`: a command that prints an `ExecCredential`. */
export interface ExecConfig {
  command: string;
  args?: string[];
  env?: ExecEnvVar[];
  /** `client.authentication.k8s.io/v1` or `client.authentication.k8s.io/v1beta1`. */
  apiVersion: string;
  /** Shown to the user when `command` cannot be found. */
  installHint?: string;
  /** Pass the cluster's connection details to the plugin in `KUBERNETES_EXEC_INFO`. */
  provideClusterInfo?: boolean;
  /** Required for v1; defaults to `IfAvailable` for v1beta1 (as client-go does). */
  interactiveMode?: ExecInteractiveMode;
}

/** `users[].user.auth-provider`: the legacy in-tree plugins; kubekit rejects them with advice. */
export interface AuthProviderConfig {
  name: string;
  config?: Record<string, string>;
}

/** A user entry ("AuthInfo" in client-go): how to authenticate. */
export interface User {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  as?: string;
  'as-uid'?: string;
  'as-groups'?: string[];
  'as-user-extra'?: Record<string, string[]>;
  username?: string;
  password?: string;
  'auth-provider'?: AuthProviderConfig;
  exec?: ExecConfig;
  extensions?: NamedExtension[];
}

/** A context entry: a cluster, a user and a default namespace. */
export interface Context {
  cluster: string;
  user?: string;
  namespace?: string;
  extensions?: NamedExtension[];
}

/** An opaque extension object, kept as parsed. */
export interface NamedExtension {
  name: string;
  extension: unknown;
}

/**
 * A named entry as held by {@link KubeConfig}: the file's `{ name, cluster }` shape plus the file it
 * came from (`source`), which error messages name.
 */
export interface NamedCluster {
  name: string;
  cluster: Cluster;
  source?: string;
}

/** See {@link NamedCluster}. */
export interface NamedUser {
  name: string;
  user: User;
  source?: string;
}

/** See {@link NamedCluster}. */
export interface NamedContext {
  name: string;
  context: Context;
  source?: string;
}

/** One kubeconfig file, validated and with relative paths resolved. */
export interface KubeConfigFile {
  /** The file path, or undefined for text or objects that did not come from a file. */
  source?: string;
  currentContext?: string;
  clusters: NamedCluster[];
  users: NamedUser[];
  contexts: NamedContext[];
  preferences?: Record<string, unknown>;
  extensions?: NamedExtension[];
}

/** The two ExecCredential API versions kubekit speaks (v1alpha1 was removed from client-go in 1.24). */
export const EXEC_API_V1 = 'client.authentication.k8s.io/v1';
/** See {@link EXEC_API_V1}. */
export const EXEC_API_V1BETA1 = 'client.authentication.k8s.io/v1beta1';
/** Name of the cluster extension whose value is passed to exec plugins as `spec.cluster.config`. */
export const EXEC_CLUSTER_EXTENSION = 'client.authentication.k8s.io/exec';
