import type { Condition, ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { resourceType } from '../../src/index.js';

/** The Tenant custom resource (see crd.yaml). */
export interface Tenant {
  apiVersion?: 'example.kubekit.dev/v1';
  kind?: 'Tenant';
  metadata?: ObjectMeta;
  spec?: {
    /** Users who administer the tenant's namespace. */
    admins?: string[];
    /** ResourceQuota `hard` limits, e.g. `{ pods: '10', 'requests.cpu': '2' }`. */
    quota?: Record<string, string>;
  };
  status?: {
    observedGeneration?: number;
    namespace?: string;
    conditions?: Condition[];
  };
}

/** Where Tenants are served. */
export const Tenants = resourceType<Tenant>({
  group: 'example.kubekit.dev',
  version: 'v1',
  resource: 'tenants',
  kind: 'Tenant',
  namespaced: false,
});

/** The finalizer that makes deleting a Tenant clean up its namespace first. */
export const tenantFinalizer = 'example.kubekit.dev/cleanup';

/** The namespace a tenant gets. */
export function tenantNamespace(tenant: Tenant | string): string {
  return `tenant-${typeof tenant === 'string' ? tenant : tenant.metadata?.name}`;
}
