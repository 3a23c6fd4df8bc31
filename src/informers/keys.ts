import { type KeyedObject, metaNamespaceKey, ObjectKeyError } from '../apimachinery/object-key.js';
import { KeyError } from './errors.js';

export { splitMetaNamespaceKey } from '../apimachinery/object-key.js';

/** The part of an object that {@link metaNamespaceKeyFunc} reads: `metadata.namespace/name`. */
export type KubeObjectLike = KeyedObject;

/**
 * Tombstone: the object was deleted while we were not watching (a relist no longer returned
 * it), so its final state is unknown; `obj` is the last state we knew, which may be stale.
 * Delete handlers receive either the object or one of these.
 */
export class DeletedFinalStateUnknown<T> {
  constructor(
    /** The cache key of the deleted object. */
    readonly key: string,
    /** The last state the cache knew; may be older than the state the server deleted. */
    readonly obj: T,
  ) {}
}

/**
 * Computes the cache key of an object (or of a tombstone). Must be deterministic: the same
 * object always yields the same key. Throws (preferably a {@link KeyError}) when it cannot.
 */
export type KeyFunc<T> = (obj: T | DeletedFinalStateUnknown<T>) => string;

/**
 * client-go's `MetaNamespaceKeyFunc`: `namespace/name`, or `name` for a cluster-scoped object.
 *
 * @throws KeyError when the object has no `metadata` or an empty `metadata.name` (also an
 *   `ObjectKeyError`). A tombstone has no metadata either: use
 *   {@link deletionHandlingMetaNamespaceKeyFunc} where tombstones can appear.
 */
export function metaNamespaceKeyFunc(obj: KubeObjectLike): string {
  try {
    return metaNamespaceKey(obj);
  } catch (err) {
    if (err instanceof ObjectKeyError) throw new KeyError(err.message, obj, { cause: err });
    throw err;
  }
}

/**
 * {@link metaNamespaceKeyFunc} that also accepts a {@link DeletedFinalStateUnknown} and returns
 * the key it carries. The default key function of DeltaFIFO and of the informer's indexer.
 *
 * @throws KeyError as {@link metaNamespaceKeyFunc} does for anything else without a name.
 */
export function deletionHandlingMetaNamespaceKeyFunc<T>(obj: T | DeletedFinalStateUnknown<T>): string {
  if (obj instanceof DeletedFinalStateUnknown) return obj.key;
  return metaNamespaceKeyFunc(obj as KubeObjectLike);
}

/**
 * Runs a key function and normalises its failure to a {@link KeyError} (custom key functions
 * may throw anything).
 */
export function computeKey<T>(keyFunc: KeyFunc<T>, obj: T | DeletedFinalStateUnknown<T>): string {
  let key: unknown;
  try {
    key = keyFunc(obj);
  } catch (err) {
    if (err instanceof KeyError) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new KeyError(`cannot compute an object key: ${detail}`, obj, { cause: err });
  }
  if (typeof key !== 'string') {
    throw new KeyError(`cannot compute an object key: the key function returned ${typeof key}`, obj);
  }
  return key;
}
