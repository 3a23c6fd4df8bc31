import { Manager, type ManagerOptions, resourceVersionChanged } from '../../src/controller/index.js';
import { EventBroadcaster } from '../../src/events/index.js';
import {
  ConfigError,
  type KubeClient,
  type Logger,
  Namespaces,
  NoKindMatchError,
  ResourceQuotas,
  RoleBindings,
} from '../../src/index.js';
import { Lister } from '../../src/informers/index.js';
import { tenantReconciler } from './reconcile.js';
import { Tenants } from './tenant.js';

/** Settings of one replica of the tenant operator. */
export interface TenantOperatorOptions {
  kube: KubeClient;
  /** This replica's identity in the leader election (unique per replica). */
  identity: string;
  /** Namespace of the operator's Lease (default `tenant-system`). */
  leaseNamespace?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Health/metrics server (default: none). */
  http?: ManagerOptions['http'];
  onLeadershipLost?: ManagerOptions['onLeadershipLost'];
  /** Concurrent reconciles (default 2). */
  workers?: number;
  logger?: Logger;
  /** Called around every reconcile; the demo and tests use it to watch the operator work. */
  observe?: (phase: 'start' | 'end', tenant: string, identity: string, error?: unknown) => void;
}

/**
 * Runs one replica of the tenant operator until `signal` aborts: checks that the Tenant CRD is
 * installed, then runs the Tenant controller behind leader election (only the leader
 * reconciles), with events, informers for the owned kinds and the Manager's endpoints.
 */
export async function runTenantOperator(options: TenantOperatorOptions, signal: AbortSignal): Promise<void> {
  const { kube, identity } = options;
  try {
    await kube.discovery.resourceFor('example.kubekit.dev/v1', 'Tenant', signal);
  } catch (err) {
    if (err instanceof NoKindMatchError) {
      throw new ConfigError(
        'The Tenant CRD (tenants.example.kubekit.dev) is not installed: run ' +
          '`kubectl apply -f examples/tenant-operator/crd.yaml`, then start the operator again.',
      );
    }
    throw err;
  }
  const manager = new Manager({
    kube,
    name: 'tenant-operator',
    leaderElection: {
      lock: { namespace: options.leaseNamespace ?? 'tenant-system', name: 'tenant-operator' },
      identity,
      ...(options.leaseDurationMs ? { leaseDurationMs: options.leaseDurationMs } : {}),
      ...(options.renewDeadlineMs ? { renewDeadlineMs: options.renewDeadlineMs } : {}),
      ...(options.retryPeriodMs ? { retryPeriodMs: options.retryPeriodMs } : {}),
    },
    ...(options.http ? { http: options.http } : {}),
    ...(options.onLeadershipLost ? { onLeadershipLost: options.onLeadershipLost } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const broadcaster = new EventBroadcaster({
    kube,
    component: 'tenant-operator',
    instance: identity,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  manager.add({ name: 'events', start: (s) => broadcaster.start(s) }, { leaderOnly: false });
  const recorder = broadcaster.newRecorder();

  const tenants = manager.factory.informerFor(Tenants);
  const namespaces = manager.factory.informerFor(Namespaces, { labelSelector: 'example.kubekit.dev/tenant' });
  const quotas = manager.factory.informerFor(ResourceQuotas);
  const bindings = manager.factory.informerFor(RoleBindings);
  const reconcile = tenantReconciler(kube, new Lister(tenants.indexer), recorder);
  const owner = { kind: 'Tenant', group: 'example.kubekit.dev', clusterScoped: true };
  manager
    .newController({
      name: 'tenant',
      workers: options.workers ?? 2,
      reconcileTimeoutMs: 60_000,
      reconcile: async (request, context) => {
        options.observe?.('start', request.name, identity);
        try {
          const result = await reconcile(request, context);
          options.observe?.('end', request.name, identity);
          return result;
        } catch (err) {
          options.observe?.('end', request.name, identity, err);
          throw err;
        }
      },
    })
    .for(tenants, resourceVersionChanged)
    .owns(namespaces, owner)
    .owns(quotas, owner)
    .owns(bindings, owner);
  try {
    await manager.start(signal);
  } finally {
    await broadcaster.shutdown({ timeoutMs: 2000 });
  }
}
