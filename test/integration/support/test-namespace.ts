import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { rawClient } from './raw-http.js';

/**
 * Gives the calling test file a namespace of its own, created before its tests and deleted
 * after them, so files can run in parallel against one apiserver. Returns a getter because the
 * namespace exists only once `beforeAll` has run.
 */
export function useTestNamespace(prefix = 'kk'): () => string {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  const admin = rawClient('admin');
  beforeAll(async () => {
    const res = await admin.request('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'kubekit.dev/test': 'true' } },
    });
    if (res.status !== 201)
      throw new Error(`creating namespace ${name}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    // No controller-manager runs by default, so create what its ServiceAccount controller
    // would: pods cannot be admitted without the namespace's default ServiceAccount.
    const sa = await admin.request('POST', `/api/v1/namespaces/${name}/serviceaccounts`, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default' },
    });
    if (sa.status !== 201 && sa.status !== 409)
      throw new Error(`creating default ServiceAccount: HTTP ${sa.status}`);
  });
  afterAll(async () => {
    await admin.request('DELETE', `/api/v1/namespaces/${name}`);
    await admin.close();
  });
  return () => name;
}
