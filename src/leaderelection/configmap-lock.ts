import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { ConfigMaps } from '../client/index.js';
import { AnnotationLock } from './annotation-lock.js';
import type { ResourceLockOptions } from './resource-lock.js';

/**
 * A lock on a ConfigMap's `control-plane.alpha.kubernetes.io/leader` annotation, compatible with
 * components that used `--leader-elect-resource-lock=configmaps`. client-go has dropped this
 * lock; use it to coexist with such components, and {@link MultiLock} to migrate to a Lease.
 */
export class ConfigMapLock extends AnnotationLock<ConfigMap> {
  /** Throws ConfigError when `kube`, `namespace`, `name` or `identity` is missing. */
  constructor(options: ResourceLockOptions) {
    super(ConfigMaps, options);
  }
}
