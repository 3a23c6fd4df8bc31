import type { ListMeta, ObjectMeta } from 'kubernetes-types/meta/v1.js';

/** The shape every Kubernetes object shares; `T` of a ResourceClient extends it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** A list response: `items` plus the list's resourceVersion and continue token. */
export interface KubeList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

/**
 * Identifies one API resource: where it is served and whether it lives in namespaces. `T` is the
 * object type the resource holds (from `kubernetes-types` for built-ins, your own for CRDs).
 */
export interface ResourceType<T extends KubeObject = KubeObject> {
  /** API group; `''` for the core group (`/api/v1`). */
  readonly group: string;
  readonly version: string;
  /** Plural resource name used in paths, e.g. `pods`, `deployments`. */
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Type-level only: carries `T`; never set at runtime. */
  readonly _type?: T;
}

/** Declares a {@link ResourceType} for objects of type `T` (built-in or custom). */
export function resourceType<T extends KubeObject>(type: Omit<ResourceType<T>, '_type'>): ResourceType<T> {
  return Object.freeze({ ...type });
}

/** `group/version`, or just `version` for the core group, as objects' `apiVersion` spells it. */
export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** Path prefix of a group version: `/api/v1` or `/apis/<group>/<version>`. */
export function groupVersionPath(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
}
