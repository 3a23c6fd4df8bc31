/**
 * Object keys as client-go's cache uses them: `namespace/name` for namespaced objects and
 * `name` for cluster-scoped ones. Informer stores, listers and workqueues all key by this
 * string, so it must be produced and split in exactly one way.
 */

/** Thrown for an object that has no name, or a key that is not `name` or `namespace/name`. */
export class ObjectKeyError extends Error {
  override name = 'ObjectKeyError';
}

/** The part of an object that its key is made of. */
export interface KeyedObject {
  readonly metadata?: { readonly name?: string; readonly namespace?: string } | null;
}

/** The key for `name` in `namespace` (`namespace/name`), or for a cluster-scoped name (`name`). */
export function objectKey(namespace: string | null | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * The cache key of an object (client-go's `MetaNamespaceKeyFunc`): `namespace/name`, or `name`
 * when `metadata.namespace` is empty or absent.
 *
 * @throws ObjectKeyError when the object has no `metadata` or no non-empty `metadata.name`
 *   (client-go would return a key like `ns/` that names nothing).
 */
export function metaNamespaceKey(obj: KeyedObject): string {
  const meta = obj?.metadata;
  if (!meta || typeof meta !== 'object')
    throw new ObjectKeyError('cannot compute an object key: the object has no metadata');
  const { name, namespace } = meta;
  if (typeof name !== 'string' || name.length === 0) {
    throw new ObjectKeyError(
      'cannot compute an object key: metadata.name is empty (an object that is not created yet has no key)',
    );
  }
  if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') {
    throw new ObjectKeyError('cannot compute an object key: metadata.namespace is not a string');
  }
  return namespace ? `${namespace}/${name}` : name;
}

/** A key split into its parts; `namespace` is '' for a cluster-scoped key. */
export interface SplitKey {
  readonly namespace: string;
  readonly name: string;
}

/**
 * Splits a key made by {@link metaNamespaceKey} (client-go's `SplitMetaNamespaceKey`):
 * `name` → `{ namespace: '', name }`, `namespace/name` → both parts.
 *
 * @throws ObjectKeyError for an empty key, an empty part (`ns/`, `/name`) or more than one `/`
 *   — client-go accepts the first two and returns empty strings, which only hides the bug.
 */
export function splitMetaNamespaceKey(key: string): SplitKey {
  if (typeof key !== 'string' || key.length === 0)
    throw new ObjectKeyError('invalid object key "": the key is empty');
  const slash = key.indexOf('/');
  if (slash < 0) return { namespace: '', name: key };
  if (key.indexOf('/', slash + 1) >= 0) {
    throw new ObjectKeyError(
      `invalid object key ${JSON.stringify(key)}: expected "name" or "namespace/name", found more than one '/'`,
    );
  }
  const namespace = key.slice(0, slash);
  const name = key.slice(slash + 1);
  if (namespace.length === 0)
    throw new ObjectKeyError(`invalid object key ${JSON.stringify(key)}: the namespace before '/' is empty`);
  if (name.length === 0)
    throw new ObjectKeyError(`invalid object key ${JSON.stringify(key)}: the name after '/' is empty`);
  return { namespace, name };
}
