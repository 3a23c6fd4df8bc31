import type { ResourceClient } from '../client/resource-client.js';
import type { KubeObject } from '../client/resource-type.js';

/** Whether `obj` carries `finalizer`. */
export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}

/**
 * Adds `finalizer` to the object on the server (no-op when present). The write carries the
 * object's resourceVersion, so a concurrent change makes it fail with ApiError 409 Conflict
 * (`isConflict`, retried by `retryOnConflict`) rather than silently dropping someone else's
 * finalizer. Returns the updated object.
 */
export async function addFinalizer<T extends KubeObject>(
  client: ResourceClient<T>,
  obj: T,
  finalizer: string,
  signal?: AbortSignal,
): Promise<T> {
  if (hasFinalizer(obj, finalizer)) return obj;
  const finalizers = [...(obj.metadata?.finalizers ?? []), finalizer];
  return patchFinalizers(client, obj, finalizers, signal);
}

/** Removes `finalizer` from the object on the server (no-op when absent), guarded like {@link addFinalizer}. */
export async function removeFinalizer<T extends KubeObject>(
  client: ResourceClient<T>,
  obj: T,
  finalizer: string,
  signal?: AbortSignal,
): Promise<T> {
  if (!hasFinalizer(obj, finalizer)) return obj;
  const finalizers = (obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer);
  return patchFinalizers(client, obj, finalizers, signal);
}

/** What {@link handleFinalizer} decided. */
export type FinalizerStep = 'added' | 'finalized' | 'none';

/**
 * The usual finalizer dance in one call: when the object is live and lacks the finalizer, add
 * it; when it is being deleted and has it, run `cleanup` and then remove it (so deletion can
 * complete). `cleanup` must be idempotent; if it throws, the finalizer stays and the error
 * propagates (the reconcile retries).
 */
export async function handleFinalizer<T extends KubeObject>(
  client: ResourceClient<T>,
  obj: T,
  finalizer: string,
  cleanup: (obj: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<FinalizerStep> {
  if (!obj.metadata?.deletionTimestamp) {
    if (hasFinalizer(obj, finalizer)) return 'none';
    await addFinalizer(client, obj, finalizer, signal);
    return 'added';
  }
  if (!hasFinalizer(obj, finalizer)) return 'none';
  await cleanup(obj);
  await removeFinalizer(client, obj, finalizer, signal);
  return 'finalized';
}

function patchFinalizers<T extends KubeObject>(
  client: ResourceClient<T>,
  obj: T,
  finalizers: string[],
  signal?: AbortSignal,
): Promise<T> {
  const name = obj.metadata?.name ?? '';
  // A merge patch that names the resourceVersion is refused with 409 Conflict when the object
  // changed since it was read (a JSON patch `test` op would fail with 422 Invalid instead,
  // which no conflict retry recognises). It replaces the whole list, which that guard makes safe.
  const resourceVersion = obj.metadata?.resourceVersion;
  const patch = { metadata: { ...(resourceVersion ? { resourceVersion } : {}), finalizers } };
  return client.patch(name, patch, {
    ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}),
    ...(signal ? { signal } : {}),
  });
}
