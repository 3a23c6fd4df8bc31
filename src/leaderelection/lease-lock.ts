import type { Lease, LeaseSpec } from 'kubernetes-types/coordination/v1.js';
import { Leases } from '../client/index.js';
import { ObjectLock } from './object-lock.js';
import { type LeaderElectionRecord, toMicroTime } from './record.js';
import type { ResourceLockOptions } from './resource-lock.js';

/**
 * A lock on a `coordination.k8s.io/v1` Lease: the record lives in the Lease's spec
 * (`holderIdentity`, `leaseDurationSeconds`, `acquireTime` and `renewTime` as MicroTime,
 * `leaseTransitions`), exactly where client-go, kube-scheduler and kube-controller-manager keep
 * it, so kubekit and Go candidates can share one Lease. The preferred lock type.
 */
export class LeaseLock extends ObjectLock<Lease> {
  /** Throws ConfigError when `kube`, `namespace`, `name` or `identity` is missing. */
  constructor(options: ResourceLockOptions) {
    super(Leases, options);
  }

  protected decode(lease: Lease): { record: LeaderElectionRecord; raw: string } {
    const spec = lease.spec ?? {};
    const record: LeaderElectionRecord = {
      holderIdentity: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      acquireTime: spec.acquireTime ?? '',
      renewTime: spec.renewTime ?? '',
      leaderTransitions: spec.leaseTransitions ?? 0,
    };
    return { record, raw: JSON.stringify(record) };
  }

  protected encode(lease: Lease, record: LeaderElectionRecord): Lease {
    // The spec is replaced, not merged, as client-go does: a new holder must not inherit fields
    // (such as preferredHolder) that were about the previous one.
    const spec: LeaseSpec = {
      holderIdentity: record.holderIdentity,
      leaseDurationSeconds: record.leaseDurationSeconds,
      leaseTransitions: record.leaderTransitions,
    };
    if (record.acquireTime) spec.acquireTime = toMicroTime(record.acquireTime);
    if (record.renewTime) spec.renewTime = toMicroTime(record.renewTime);
    return { ...lease, spec };
  }
}
