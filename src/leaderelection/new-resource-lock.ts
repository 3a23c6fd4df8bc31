import { ConfigError } from '../common/errors.js';
import { ConfigMapLock } from './configmap-lock.js';
import { EndpointsLock } from './endpoints-lock.js';
import { LeaseLock } from './lease-lock.js';
import { MultiLock } from './multi-lock.js';
import type { ResourceLock, ResourceLockOptions } from './resource-lock.js';

/** The values of `--leader-elect-resource-lock`, as Kubernetes components accept them. */
export const RESOURCE_LOCK_TYPES = [
  'leases',
  'configmaps',
  'endpoints',
  'configmapsleases',
  'endpointsleases',
] as const;

/** One of {@link RESOURCE_LOCK_TYPES}. */
export type ResourceLockType = (typeof RESOURCE_LOCK_TYPES)[number];

/**
 * Builds the lock a `--leader-elect-resource-lock` value names: `leases` → {@link LeaseLock},
 * `configmaps` → {@link ConfigMapLock}, `endpoints` → {@link EndpointsLock}, `configmapsleases` and
 * `endpointsleases` → {@link MultiLock} with the old lock as primary and a Lease of the same
 * namespace and name as secondary. Throws ConfigError for an unknown type or missing options.
 */
export function newResourceLock(type: ResourceLockType, options: ResourceLockOptions): ResourceLock {
  switch (type) {
    case 'leases':
      return new LeaseLock(options);
    case 'configmaps':
      return new ConfigMapLock(options);
    case 'endpoints':
      return new EndpointsLock(options);
    case 'configmapsleases':
      return new MultiLock(new ConfigMapLock(options), new LeaseLock(options));
    case 'endpointsleases':
      return new MultiLock(new EndpointsLock(options), new LeaseLock(options));
    default:
      throw new ConfigError(
        `Unknown resource lock type ${JSON.stringify(type)}; use one of ${RESOURCE_LOCK_TYPES.join(', ')}.`,
      );
  }
}
