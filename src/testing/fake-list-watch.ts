import type { ListOptions, WatchOptions } from '../client/request-options.js';
import type { KubeList, KubeObject } from '../client/resource-type.js';
import type { WatchEvent } from '../client/watch-event.js';
import type { ListWatch } from '../informers/list-watch.js';

/**
 * An in-memory ListWatch for unit tests of informers and controllers: holds objects, answers
 * lists with a resourceVersion, and streams every later `add`/`modify`/`remove` to the open
 * watches. Objects are keyed by namespace/name; each change bumps a global resourceVersion as
 * the API server would. Aborting a watch's signal ends it.
 */
export class FakeListWatch<T extends KubeObject> implements ListWatch<T> {
  private readonly objects = new Map<string, T>();
  private readonly watchers = new Set<(event: WatchEvent<T>) => void>();
  private rv = 1;

  constructor(initial: T[] = []) {
    for (const obj of initial) this.objects.set(keyOf(obj), this.stamp(obj));
  }

  /** Number of watches currently open. */
  get openWatches(): number {
    return this.watchers.size;
  }

  /** Creates or replaces an object and tells the watches (ADDED or MODIFIED). */
  add(obj: T): T {
    const key = keyOf(obj);
    const type = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    const stamped = this.stamp(obj);
    this.objects.set(key, stamped);
    this.emit({ type, object: stamped });
    return stamped;
  }

  /** Alias of {@link add} for an existing object. */
  modify(obj: T): T {
    return this.add(obj);
  }

  /** Deletes an object and tells the watches. */
  remove(obj: T): void {
    const key = keyOf(obj);
    const existing = this.objects.get(key);
    if (!existing) return;
    this.objects.delete(key);
    this.emit({
      type: 'DELETED',
      object: { ...existing, metadata: { ...existing.metadata, resourceVersion: String(++this.rv) } },
    });
  }

  async list(_options: ListOptions): Promise<KubeList<T>> {
    return { metadata: { resourceVersion: String(this.rv) }, items: [...this.objects.values()] };
  }

  watch(options: WatchOptions): AsyncIterable<WatchEvent<T>> {
    const watchers = this.watchers;
    return {
      async *[Symbol.asyncIterator]() {
        const pending: WatchEvent<T>[] = [];
        let wake: (() => void) | undefined;
        const push = (event: WatchEvent<T>) => {
          pending.push(event);
          wake?.();
        };
        watchers.add(push);
        const aborted = new Promise<void>((resolve) => {
          if (options.signal?.aborted) resolve();
          options.signal?.addEventListener('abort', () => resolve(), { once: true });
        });
        try {
          for (;;) {
            while (pending.length > 0) yield pending.shift()!;
            const next = new Promise<void>((resolve) => {
              wake = resolve;
            });
            await Promise.race([next, aborted]);
            wake = undefined;
            if (options.signal?.aborted) throw options.signal.reason;
          }
        } finally {
          watchers.delete(push);
        }
      },
    };
  }

  private stamp(obj: T): T {
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
  }

  private emit(event: WatchEvent<T>): void {
    for (const push of this.watchers) push(event);
  }
}

function keyOf(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}
