import type { Namespace, ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { RoleBinding } from 'kubernetes-types/rbac/v1.js';
import {
  applyOwned,
  handleFinalizer,
  type Reconciler,
  setCondition,
  updateStatusWithRetry,
} from '../../src/controller/index.js';
import {
  isNotFound,
  isValidLabelValue,
  type KubeClient,
  Namespaces,
  Quantity,
  ResourceQuotas,
  RoleBindings,
} from '../../src/index.js';
import type { Lister } from '../../src/informers/index.js';
import { type Tenant, Tenants, tenantFinalizer, tenantNamespace } from './tenant.js';

/** Records what the operator did, for people: `kubectl describe tenant` shows it. */
export interface TenantEvents {
  event(object: Tenant, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

const fieldManager = 'tenant-operator';

/**
 * Makes the world match one Tenant: a namespace `tenant-<name>`, a ResourceQuota with the
 * tenant's limits, and a RoleBinding giving its admins the built-in `admin` role there — all
 * owned by the Tenant and applied server-side (so hand edits are put back). Deleting a Tenant
 * runs its finalizer, which deletes the namespace. An invalid spec sets Ready=False with the
 * reason and waits for the next spec change (no retry loop).
 */
export function tenantReconciler(
  kube: KubeClient,
  tenants: Lister<Tenant>,
  events: TenantEvents,
): Reconciler {
  const tenantClient = kube.resource(Tenants);
  return async ({ name }, { signal, logger }) => {
    const tenant = tenants.get(name);
    if (!tenant) return; // deleted, and its finalizer already ran
    const namespace = tenantNamespace(tenant);

    const step = await handleFinalizer(
      tenantClient,
      tenant,
      tenantFinalizer,
      async () => {
        await kube
          .resource(Namespaces)
          .delete(namespace, { signal })
          .catch((err: unknown) => {
            if (!isNotFound(err)) throw err;
          });
        events.event(tenant, 'Normal', 'NamespaceDeleted', `deleted namespace ${namespace}`);
        logger.info('tenant deleted; namespace removed', { namespace });
      },
      signal,
    );
    // The finalizer patch (or the final removal) wakes us again with the fresh object.
    if (step !== 'none') return;

    const problem = validate(tenant);
    if (problem) {
      await setStatus(tenant, { status: 'False', reason: 'InvalidSpec', message: problem });
      events.event(tenant, 'Warning', 'InvalidSpec', problem);
      return;
    }

    const existed = await kube
      .resource(Namespaces)
      .get(namespace, { signal })
      .then(() => true)
      .catch((err: unknown) => (isNotFound(err) ? false : Promise.reject(err)));
    await applyOwned<Namespace>(
      kube.resource(Namespaces),
      tenant,
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: namespace, labels: { 'example.kubekit.dev/tenant': name } },
      },
      { fieldManager, signal },
    );
    if (!existed) events.event(tenant, 'Normal', 'NamespaceCreated', `created namespace ${namespace}`);

    const quotas = kube.resource(ResourceQuotas).namespace(namespace);
    if (tenant.spec?.quota && Object.keys(tenant.spec.quota).length > 0) {
      await applyOwned<ResourceQuota>(
        quotas,
        tenant,
        {
          apiVersion: 'v1',
          kind: 'ResourceQuota',
          metadata: { name: 'tenant-quota', namespace },
          spec: { hard: tenant.spec.quota },
        },
        { fieldManager, signal },
      );
    } else {
      await quotas.delete('tenant-quota', { signal }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }

    await applyOwned<RoleBinding>(
      kube.resource(RoleBindings).namespace(namespace),
      tenant,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'tenant-admins', namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
        subjects: (tenant.spec?.admins ?? []).map((user) => ({
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'User',
          name: user,
        })),
      },
      { fieldManager, signal },
    );

    await setStatus(tenant, {
      status: 'True',
      reason: 'Provisioned',
      message: `namespace ${namespace} is ready`,
    });
    return undefined;

    async function setStatus(
      t: Tenant,
      ready: { status: 'True' | 'False'; reason: string; message: string },
    ) {
      const generation = t.metadata?.generation;
      const current = t.status?.conditions?.find((c) => c.type === 'Ready');
      if (
        t.status?.observedGeneration === generation &&
        t.status?.namespace === namespace &&
        current?.status === ready.status &&
        current.reason === ready.reason &&
        current.message === ready.message
      ) {
        return; // nothing to write: avoids an update that would wake us again for nothing
      }
      await updateStatusWithRetry(
        tenantClient,
        t.metadata?.name ?? '',
        (latest) => ({
          ...latest,
          status: {
            ...latest.status,
            observedGeneration: generation,
            namespace,
            conditions: setCondition(latest.status?.conditions, {
              type: 'Ready',
              ...ready,
              ...(generation !== undefined ? { observedGeneration: generation } : {}),
            }),
          },
        }),
        { signal },
      );
    }
  };
}

function validate(tenant: Tenant): string | undefined {
  for (const [resource, value] of Object.entries(tenant.spec?.quota ?? {})) {
    if (!Quantity.tryParse(value))
      return `spec.quota.${resource}: "${value}" is not a resource quantity (e.g. 500m, 2Gi, 10)`;
  }
  for (const admin of tenant.spec?.admins ?? []) {
    if (!admin.trim()) return 'spec.admins: user names must not be empty';
  }
  if (!isValidLabelValue(tenant.metadata?.name ?? '')) {
    return 'metadata.name: must be a valid label value to label the namespace';
  }
  return undefined;
}
