import type { LocalCredentials } from '../../../src/testing/index.js';

/** What the global setup tells each integration test file about the running control plane. */
export interface KubeLocalInfo {
  server: string;
  kubeconfigPath: string;
  caFile: string;
  /** etcd's client URL, for forcing compaction (`compactEtcd`). */
  etcdUrl: string;
  binDir: string;
  users: Record<'admin' | 'restricted' | 'token' | 'scheduler' | 'controller-manager', LocalCredentials>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kubeLocal: KubeLocalInfo;
  }
}
