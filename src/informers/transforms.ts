import type { KubeObject } from '../client/resource-type.js';

/**
 * A transform that drops `metadata.managedFields` — typically the largest part of an object and
 * useless to controllers — so caches hold less. Returns a shallow copy; the input is not changed.
 * Pass it as an informer's `transform`.
 */
export function stripManagedFields<T extends KubeObject>(obj: T): T {
  if (!obj?.metadata?.managedFields) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}
