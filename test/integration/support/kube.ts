import { inject } from 'vitest';
import { KubeClient, type KubeClientOptions } from '../../../src/client/index.js';
import './kube-local-info.js';

/** A kubekit client of the test control plane as one of its users (rate limit off unless given). */
export function clientAs(
  user: 'admin' | 'restricted' | 'token' = 'admin',
  options: KubeClientOptions = {},
): Promise<KubeClient> {
  const info = inject('kubeLocal');
  return KubeClient.load({
    qps: -1,
    ...options,
    connection: { kubeconfig: info.kubeconfigPath, context: info.users[user].context },
  });
}
