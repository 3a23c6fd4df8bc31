import type { Delta, DeltaFIFO } from '../../../src/informers/delta-fifo.js';
import { DeletedFinalStateUnknown } from '../../../src/informers/keys.js';
import type { Store } from '../../../src/informers/store.js';

/** A tiny object with what the key function and the tests need. */
export interface Obj {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  /** Set by the counting transformer in tests. */
  transformed?: number;
}

export const obj = (name: string, rv = '1', namespace = 'ns'): Obj => ({
  metadata: { name, namespace, resourceVersion: rv },
});

/** The consumer side of an informer (client-go's processDeltas), minus the handlers. */
export function applyDeltas<T>(store: Store<T>, deltas: Delta<T>[]): void {
  for (const d of deltas) {
    if (d.type === 'Deleted') store.delete(d.object);
    else if (store.get(d.object as T) !== undefined) store.update(d.object as T);
    else store.add(d.object as T);
  }
}

/** `type` plus the object's name@rv (tombstones as `~key@rv`) for compact assertions. */
export function describeDeltas(deltas: Delta<Obj>[]): string[] {
  return deltas.map((d) => {
    const o = d.object;
    if (o instanceof DeletedFinalStateUnknown)
      return `${d.type}:~${o.key}@${o.obj?.metadata.resourceVersion}`;
    return `${d.type}:${o.metadata.name}@${o.metadata.resourceVersion}`;
  });
}

/** Pops one key and returns its deltas and the initial-list flag. */
export async function popOne<T>(
  fifo: DeltaFIFO<T>,
): Promise<{ key: string; deltas: Delta<T>[]; isInInitialList: boolean }> {
  const key = fifo.listKeys()[0]!;
  let out: { deltas: Delta<T>[]; isInInitialList: boolean } | undefined;
  await fifo.pop((deltas, isInInitialList) => {
    out = { deltas, isInInitialList };
  });
  return { key, ...out! };
}
