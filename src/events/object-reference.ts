import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { apiVersionOf, type KubeObject, type ResourceType } from '../client/resource-type.js';
import type { EventSubject } from './types.js';

/**
 * The reference an event carries to its object (`regarding` / `involvedObject`): apiVersion,
 * kind, namespace, name, uid and resourceVersion (plus fieldPath for a given reference).
 *
 * Objects from list responses and informer caches have no `kind`/`apiVersion`; pass `type`
 * (e.g. `Pods`) to fill them in. Returns an error message instead of a reference when the
 * subject has no name or no kind, because the API cannot show an event about an unnamed thing.
 */
export function objectReference(subject: EventSubject, type?: ResourceType): ObjectReference | string {
  if (subject === null || typeof subject !== 'object') return 'the object is not an object';
  if (isKubeObject(subject)) {
    const meta = subject.metadata;
    const ref: ObjectReference = {
      apiVersion: subject.apiVersion || (type ? apiVersionOf(type) : undefined),
      kind: subject.kind || type?.kind,
      namespace: meta?.namespace || undefined,
      name: meta?.name,
      uid: meta?.uid || undefined,
      resourceVersion: meta?.resourceVersion || undefined,
    };
    return checked(ref);
  }
  const ref: ObjectReference = {
    apiVersion: subject.apiVersion || (type ? apiVersionOf(type) : undefined),
    kind: subject.kind || type?.kind,
    namespace: subject.namespace || undefined,
    name: subject.name,
    uid: subject.uid || undefined,
    resourceVersion: subject.resourceVersion || undefined,
    fieldPath: subject.fieldPath || undefined,
  };
  return checked(ref);
}

function isKubeObject(subject: EventSubject): subject is KubeObject {
  return 'metadata' in subject && typeof subject.metadata === 'object' && subject.metadata !== null;
}

function checked(ref: ObjectReference): ObjectReference | string {
  if (!ref.name) return 'the object has no name';
  if (!ref.kind) {
    return `the object ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} has no kind; objects from lists and informer caches carry none, so give the recorder a defaultType or pass an ObjectReference`;
  }
  // Drop undefined fields so keys and written objects stay small and stable.
  for (const k of Object.keys(ref) as (keyof ObjectReference)[]) if (ref[k] === undefined) delete ref[k];
  return ref;
}

/** `kind namespace/name` for messages and logs. */
export function describeReference(ref: ObjectReference | undefined): string {
  if (!ref) return '<none>';
  return `${ref.kind ?? '?'} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name ?? '?'}`;
}
