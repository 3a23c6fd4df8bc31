import type { ResourceClient } from '../client/resource-client.js';
import type { KubeObject } from '../client/resource-type.js';
import { setControllerReference } from './owner-reference.js';

/**
 * Server-side applies `desired` as an object controlled by `owner`: sets the controller
 * reference, then applies with `fieldManager` and `force` (a controller owns its fields
 * outright). Applying the full desired state every reconcile is idempotent — an unchanged
 * object is not rewritten — and puts back fields someone else changed. Returns the live object.
 */
export function applyOwned<T extends KubeObject>(
  client: ResourceClient<T>,
  owner: KubeObject,
  desired: T,
  options: { fieldManager: string; signal?: AbortSignal },
): Promise<T> {
  const obj = setControllerReference(owner, structuredClone(desired));
  return client.apply(obj, {
    fieldManager: options.fieldManager,
    force: true,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
