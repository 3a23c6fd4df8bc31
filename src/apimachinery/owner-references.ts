/**
 * Owner-reference helpers, as apimachinery's `metav1` functions (`GetControllerOf`,
 * `IsControlledBy`, `NewControllerRef`): find the managing controller of an object, test
 * ownership, and build the reference a controller stamps on what it creates. Ownership is
 * decided by UID, never by name, because a deleted and re-created owner has the same name.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';

/** The part of an object that carries owner references. */
export interface OwnedObject {
  readonly metadata?: { readonly ownerReferences?: readonly OwnerReference[] } | null;
}

/**
 * An owner, given as its UID, as something with a `uid` field (such as an `OwnerReference`), or
 * as an object with `metadata.uid`.
 */
export type OwnerLike =
  | string
  | { readonly uid: string }
  | { readonly metadata?: { readonly uid?: string } | null };

/** A group, version and kind; `group` is '' for the core API group. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

function uidOf(owner: OwnerLike): string | undefined {
  if (typeof owner === 'string') return owner;
  if (owner && typeof owner === 'object') {
    if ('uid' in owner && typeof owner.uid === 'string') return owner.uid;
    if ('metadata' in owner) return owner.metadata?.uid ?? undefined;
  }
  return undefined;
}

/**
 * The reference to the object's managing controller — its first owner reference with
 * `controller: true` — or `undefined`. The returned reference is the object's own (read-only,
 * like everything in an informer cache): copy it before changing it.
 */
export function getControllerOf(obj: OwnedObject): Readonly<OwnerReference> | undefined {
  const refs = obj?.metadata?.ownerReferences;
  if (!refs) return undefined;
  for (const ref of refs) if (ref.controller === true) return ref;
  return undefined;
}

/** Whether `owner` (matched by UID) is the object's managing controller. An owner without a UID controls nothing. */
export function isControlledBy(obj: OwnedObject, owner: OwnerLike): boolean {
  const uid = uidOf(owner);
  if (!uid) return false;
  return getControllerOf(obj)?.uid === uid;
}

/** Whether any of the object's owner references (controller or not) points at `owner`'s UID. */
export function hasOwnerReference(obj: OwnedObject, owner: OwnerLike): boolean {
  const uid = uidOf(owner);
  if (!uid) return false;
  const refs = obj?.metadata?.ownerReferences;
  return refs ? refs.some((ref) => ref.uid === uid) : false;
}

/**
 * The owner reference a controller sets on objects it creates: `controller: true` and
 * `blockOwnerDeletion: true`, pointing at `owner` by name and UID. `gvk` is the owner's kind,
 * as `{ group, version, kind }` or `{ apiVersion, kind }`.
 *
 * @throws TypeError when the owner lacks `metadata.name` or `metadata.uid` (the API server would
 *   reject the reference) or `gvk` lacks a version or kind.
 */
export function newControllerRef(
  owner: { readonly metadata?: { readonly name?: string; readonly uid?: string } | null },
  gvk: GroupVersionKind | { readonly apiVersion: string; readonly kind: string },
): OwnerReference {
  const name = owner?.metadata?.name;
  const uid = owner?.metadata?.uid;
  if (!name) throw new TypeError('newControllerRef: the owner has no metadata.name');
  if (!uid)
    throw new TypeError(
      `newControllerRef: the owner ${JSON.stringify(name)} has no metadata.uid (was it read from the API server?)`,
    );
  const version = 'apiVersion' in gvk ? gvk.apiVersion : gvk.version;
  if (!version || !gvk.kind)
    throw new TypeError('newControllerRef: the owner kind needs a version and a kind');
  const apiVersion =
    'apiVersion' in gvk ? gvk.apiVersion : gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
  return { apiVersion, kind: gvk.kind, name, uid, controller: true, blockOwnerDeletion: true };
}
