import type { KubeObject } from '../client/resource-type.js';

/**
 * Filters events before they become reconcile requests. Each method returns whether the event
 * should be acted on; a missing method lets that kind of event through.
 */
export interface Predicate<T extends KubeObject = KubeObject> {
  create?(obj: T): boolean;
  update?(oldObj: T, newObj: T): boolean;
  delete?(obj: T): boolean;
}

/**
 * Passes updates whose `metadata.generation` changed: spec changes, not status or metadata
 * churn. Objects without a generation (most core types) always pass.
 */
export const generationChanged: Predicate = {
  update: (oldObj, newObj) =>
    newObj.metadata?.generation === undefined || oldObj.metadata?.generation !== newObj.metadata?.generation,
};

/** Passes updates whose labels changed. */
export const labelsChanged: Predicate = {
  update: (oldObj, newObj) => !sameMap(oldObj.metadata?.labels, newObj.metadata?.labels),
};

/** Passes updates whose annotations changed. */
export const annotationsChanged: Predicate = {
  update: (oldObj, newObj) => !sameMap(oldObj.metadata?.annotations, newObj.metadata?.annotations),
};

/** Drops resync updates (same resourceVersion): nothing changed on the server. */
export const resourceVersionChanged: Predicate = {
  update: (oldObj, newObj) => oldObj.metadata?.resourceVersion !== newObj.metadata?.resourceVersion,
};

/** Passes an event when any of `predicates` passes it. */
export function anyOf<T extends KubeObject>(...predicates: Predicate<T>[]): Predicate<T> {
  return {
    create: (o) => predicates.some((p) => p.create?.(o) ?? true),
    update: (a, b) => predicates.some((p) => p.update?.(a, b) ?? true),
    delete: (o) => predicates.some((p) => p.delete?.(o) ?? true),
  };
}

/** Whether every predicate lets this event through. */
export function passes<T extends KubeObject>(
  predicates: readonly Predicate<T>[],
  event: { kind: 'create'; obj: T } | { kind: 'update'; oldObj: T; newObj: T } | { kind: 'delete'; obj: T },
): boolean {
  for (const p of predicates) {
    const ok =
      event.kind === 'create'
        ? (p.create?.(event.obj) ?? true)
        : event.kind === 'update'
          ? (p.update?.(event.oldObj, event.newObj) ?? true)
          : (p.delete?.(event.obj) ?? true);
    if (!ok) return false;
  }
  return true;
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b ?? {}).length) return false;
  return ak.every((k) => a?.[k] === b?.[k]);
}
