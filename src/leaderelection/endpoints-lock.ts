import type { Endpoints } from 'kubernetes-types/core/v1.js';
import { EndpointsResource } from '../client/index.js';
import { AnnotationLock } from './annotation-lock.js';
import type { ResourceLockOptions } from './resource-lock.js';

/**
 * A lock on an Endpoints object's `control-plane.alpha.kubernetes.io/leader` annotation,
 * compatible with components that used `--leader-elect-resource-lock=endpoints`. client-go has
 * dropped this lock (and newer servers warn that Endpoints are deprecated); use it to coexist
 * with such components, and {@link MultiLock} to migrate to a Lease.
 */
export class EndpointsLock extends AnnotationLock<Endpoints> {
  /** Throws ConfigError when `kube`, `namespace`, `name` or `identity` is missing. */
  constructor(options: ResourceLockOptions) {
    super(EndpointsResource, options);
  }
}
