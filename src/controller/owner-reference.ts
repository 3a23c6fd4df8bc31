import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../client/resource-type.js';
import { ConfigError } from '../common/errors.js';

/**
 * Makes `owner` the controller of `obj` (in place, and returns it): garbage collection deletes
 * `obj` with its owner, and `Controller.owns()` maps `obj`'s events to the owner. Refuses (with
 * a ConfigError) when another object already controls `obj`, when the owner has no uid yet, or
 * when a namespaced object would be owned across namespaces.
 */
export function setControllerReference<T extends KubeObject>(
  owner: KubeObject,
  obj: T,
  options: { blockOwnerDeletion?: boolean } = {},
): T {
  const ownerMeta = owner.metadata;
  if (!ownerMeta?.uid || !ownerMeta.name || !owner.apiVersion || !owner.kind) {
    throw new ConfigError(
      'the owner needs apiVersion, kind, metadata.name and metadata.uid (create it first).',
    );
  }
  if (ownerMeta.namespace && obj.metadata?.namespace && ownerMeta.namespace !== obj.metadata.namespace) {
    throw new ConfigError(
      `a ${owner.kind} in namespace ${ownerMeta.namespace} cannot own an object in namespace ${obj.metadata.namespace}.`,
    );
  }
  const ref: OwnerReference = {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: ownerMeta.name,
    uid: ownerMeta.uid,
    controller: true,
    blockOwnerDeletion: options.blockOwnerDeletion ?? true,
  };
  obj.metadata ??= {};
  const refs = obj.metadata.ownerReferences ?? [];
  const existing = refs.find((r) => r.controller);
  if (existing && existing.uid !== ref.uid) {
    throw new ConfigError(
      `${obj.metadata.name ?? 'the object'} is already controlled by ${existing.kind} ${existing.name}.`,
    );
  }
  obj.metadata.ownerReferences = [...refs.filter((r) => r.uid !== ref.uid), ref];
  return obj;
}
