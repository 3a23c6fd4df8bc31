import type { LocalCredentials } from '../../../src/testing/index.js';

/** The users the local control plane writes into its kubeconfig. */
export type LocalUserName = 'admin' | 'restricted' | 'token' | 'scheduler' | 'controller-manager';

/**
 * What the global setup tells each integration test file about the cluster under test: the
 * control plane it started, or (with `KUBEKIT_TEST_KUBECONFIG`) an existing cluster. Against an
 * existing cluster only `admin` is available, `etcdUrl` and `binDir` are empty, and a user whose
 * `context` is empty does not exist there; tests that need what is missing call
 * `skipUnlessAvailable` / `missingForTest` (support/kube.ts) rather than reading these fields blind.
 */
export interface KubeLocalInfo {
  server: string;
  kubeconfigPath: string;
  /** PEM CA bundle of the server; empty when the kubeconfig trusts the system roots. */
  caFile: string;
  /** etcd's client URL, for forcing compaction (`compactEtcd`); empty for an existing cluster. */
  etcdUrl: string;
  /** kube-apiserver, etcd, kubectl, … built by tools/kube-local; empty for an existing cluster. */
  binDir: string;
  /** Credentials by user; `context: ''` marks a user the cluster under test does not have. */
  users: Record<LocalUserName, LocalCredentials>;
  /** Set when the run uses an existing cluster (KUBEKIT_TEST_KUBECONFIG) instead of a local plane. */
  external?: ExternalClusterInfo;
}

/** The existing cluster a run was pointed at. */
export interface ExternalClusterInfo {
  /** The kubeconfig the coordinates came from (also `kubeconfigPath`). */
  kubeconfig: string;
  /** The context used as `admin`. */
  context: string;
  /** `insecure-skip-tls-verify` of that context's cluster. */
  insecureSkipVerify: boolean;
  /** `tls-server-name` of that context's cluster, if any. */
  tlsServerName?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kubeLocal: KubeLocalInfo;
  }
}
