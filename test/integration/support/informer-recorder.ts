import type { KubeObject, ListOptions, WatchEvent, WatchOptions } from '../../../src/client/index.js';
import {
  DeletedFinalStateUnknown,
  deletionHandlingMetaNamespaceKeyFunc,
  type InformerErrorSource,
  type InformerMetricsProvider,
  type ListWatch,
  type ResourceEventHandler,
} from '../../../src/informers/index.js';

const rvOf = (obj: KubeObject | undefined): string => obj?.metadata?.resourceVersion ?? '<none>';

/** How many deliveries per key a violation message shows. */
const historyLength = 8;

/**
 * An event handler that checks, per key, that what an informer delivers is a consistent story
 * rather than merely ending in the right state:
 * - an add only for a key absent from what this handler has been told;
 * - an update only for a present key, its old object being exactly the object last delivered
 *   for that key (same resourceVersion), and — without resyncs — a new resourceVersion;
 * - a delete only for a present key; a tombstone (`DeletedFinalStateUnknown`) counts as a
 *   delete of a present key and must carry the last state delivered for it.
 * `view` is what the handler believes the cache holds. Violations are collected with the
 * offending event and that key's recent deliveries; {@link assertConsistent} throws with them.
 * (Throwing from the handler itself would only reach the informer's onError.)
 */
export class RecordingHandler<T extends KubeObject> implements ResourceEventHandler<T> {
  /** key → the object last delivered for it. */
  readonly view = new Map<string, T>();
  readonly violations: string[] = [];
  /** key → how many tombstones were delivered for it. */
  readonly tombstones = new Map<string, number>();
  readonly counts = { add: 0, update: 0, delete: 0, tombstone: 0 };
  private readonly history = new Map<string, string[]>();
  private seq = 0;

  constructor(
    readonly label: string,
    private readonly options: { allowResync?: boolean } = {},
  ) {}

  onAdd(obj: T, isInInitialList: boolean): void {
    const key = this.keyOf(obj);
    const event = `#${++this.seq} add ${key} rv=${rvOf(obj)}${isInInitialList ? ' (initial list)' : ''}`;
    this.counts.add++;
    const present = this.view.get(key);
    if (present !== undefined)
      this.violate(key, event, `add for a key already present (last delivered rv=${rvOf(present)})`);
    this.note(key, event);
    this.view.set(key, obj);
  }

  onUpdate(oldObj: T, newObj: T): void {
    const key = this.keyOf(newObj);
    const event = `#${++this.seq} update ${key} rv=${rvOf(oldObj)} -> ${rvOf(newObj)}`;
    this.counts.update++;
    const oldKey = this.keyOf(oldObj);
    if (oldKey !== key) this.violate(key, event, `old object has another key (${oldKey})`);
    const present = this.view.get(key);
    if (present === undefined) {
      this.violate(key, event, 'update for a key absent from the view');
    } else if (rvOf(present) !== rvOf(oldObj)) {
      this.violate(
        key,
        event,
        `old object (rv=${rvOf(oldObj)}) is not the one last delivered (rv=${rvOf(present)})`,
      );
    }
    if (!this.options.allowResync && rvOf(oldObj) === rvOf(newObj))
      this.violate(key, event, 'update with an unchanged resourceVersion, but no resync is configured');
    this.note(key, event);
    this.view.set(key, newObj);
  }

  onDelete(obj: T | DeletedFinalStateUnknown<T>): void {
    const tombstone = obj instanceof DeletedFinalStateUnknown;
    const key = tombstone ? obj.key : this.keyOf(obj);
    const carried = tombstone ? obj.obj : obj;
    const event = `#${++this.seq} ${tombstone ? 'tombstone' : 'delete'} ${key} rv=${rvOf(carried)}`;
    if (tombstone) {
      this.counts.tombstone++;
      this.tombstones.set(key, (this.tombstones.get(key) ?? 0) + 1);
      const carriedKey = this.keyOf(carried);
      if (carriedKey !== key) this.violate(key, event, `tombstone's object has another key (${carriedKey})`);
    } else {
      this.counts.delete++;
    }
    const present = this.view.get(key);
    if (present === undefined) {
      this.violate(key, event, 'delete for a key absent from the view');
    } else if (tombstone && rvOf(present) !== rvOf(carried)) {
      this.violate(
        key,
        event,
        `tombstone carries rv=${rvOf(carried)}, last delivered was rv=${rvOf(present)}`,
      );
    }
    this.note(key, event);
    this.view.delete(key);
  }

  /** Throws, naming every offending event so far, when any delivery broke the rules. */
  assertConsistent(when = ''): void {
    if (this.violations.length === 0) return;
    throw new Error(
      `handler ${this.label}${when ? ` (${when})` : ''}: ${this.violations.length} inconsistent deliveries:\n` +
        this.violations.slice(0, 10).join('\n'),
    );
  }

  /** Differences between the view and `items` (by key and resourceVersion); [] when equal. */
  diff(items: readonly T[]): string[] {
    return diffByKey(
      new Map([...this.view].map(([k, v]) => [k, rvOf(v)])),
      new Map(items.map((i) => [this.keyOf(i), rvOf(i)])),
      this.label,
    );
  }

  private keyOf(obj: T): string {
    return deletionHandlingMetaNamespaceKeyFunc(obj);
  }

  private note(key: string, event: string): void {
    const log = this.history.get(key) ?? [];
    this.history.set(key, log);
    log.push(event);
    if (log.length > historyLength) log.shift();
  }

  private violate(key: string, event: string, what: string): void {
    const before = this.history.get(key) ?? [];
    this.violations.push(
      `${this.label}: ${event}: ${what}; earlier deliveries for ${key}: [${before.join(', ') || 'none'}]`,
    );
  }
}

/** `key: <label>=rv server=rv` for every key whose resourceVersion differs; [] when equal. */
export function diffByKey(
  actual: ReadonlyMap<string, string>,
  expected: ReadonlyMap<string, string>,
  label: string,
): string[] {
  const keys = new Set([...actual.keys(), ...expected.keys()]);
  return [...keys]
    .filter((k) => actual.get(k) !== expected.get(k))
    .sort()
    .map((k) => `${k}: ${label}=${actual.get(k) ?? 'absent'} server=${expected.get(k) ?? 'absent'}`);
}

/** key → resourceVersion of a list of objects (a cache or a server list). */
export function rvsByKey(items: readonly KubeObject[]): Map<string, string> {
  return new Map(items.map((i) => [deletionHandlingMetaNamespaceKeyFunc(i), rvOf(i)]));
}

/**
 * An informer metrics provider that only counts, so tests can read how many watches, lists
 * and relists an informer started (through the same hooks production metrics use).
 */
export class CountingMetricsProvider implements InformerMetricsProvider {
  private readonly counts = new Map<string, number>();

  /** Current value of `lists`, `relists`, `watches`, `events` or `errors:<source>`. */
  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  newListsMetric = () => this.counter('lists');
  newRelistsMetric = () => this.counter('relists');
  newWatchesMetric = () => this.counter('watches');
  newEventsMetric = () => this.counter('events');
  newErrorsMetric = (_name: string, source: InformerErrorSource) => this.counter(`errors:${source}`);
  newHandlerLagMetric = () => ({ set() {} });
  newHandlerBacklogMetric = () => ({ set() {} });

  private counter(name: string) {
    return { inc: () => void this.counts.set(name, this.count(name) + 1) };
  }
}

/** One watch request a {@link RecordingListWatch} saw, and how it ended. */
export interface WatchRecord {
  resourceVersion: string | undefined;
  startedAt: number;
  /** ADDED/MODIFIED/DELETED/BOOKMARK events it delivered. */
  events: number;
  /** What its iteration threw, if it threw. */
  error?: unknown;
  endedAt?: number;
}

/** One list request (one page) a {@link RecordingListWatch} saw. */
export interface ListRecord {
  resourceVersion: string | undefined;
  resourceVersionMatch: string | undefined;
  continued: boolean;
  at: number;
}

/**
 * Wraps a ListWatch and records every list page requested and every watch opened with how it
 * ended, e.g. to tell the error a watch ended with and the resourceVersion it started from.
 */
export class RecordingListWatch<T> implements ListWatch<T> {
  readonly watches: WatchRecord[] = [];
  readonly lists: ListRecord[] = [];

  constructor(private readonly inner: ListWatch<T>) {}

  list(options: Parameters<ListWatch<T>['list']>[0]): ReturnType<ListWatch<T>['list']> {
    const o = options as ListOptions;
    this.lists.push({
      resourceVersion: o.resourceVersion,
      resourceVersionMatch: o.resourceVersionMatch,
      continued: o.continue !== undefined,
      at: performance.now(),
    });
    return this.inner.list(options);
  }

  watch(options: WatchOptions): AsyncIterable<WatchEvent<T>> {
    const record: WatchRecord = {
      resourceVersion: options.resourceVersion,
      startedAt: performance.now(),
      events: 0,
    };
    this.watches.push(record);
    const inner = this.inner.watch(options)[Symbol.asyncIterator]();
    const ended = () => {
      record.endedAt ??= performance.now();
    };
    const iterator: AsyncIterableIterator<WatchEvent<T>> = {
      async next() {
        try {
          const result = await inner.next();
          if (result.done) ended();
          else record.events++;
          return result;
        } catch (err) {
          if (record.error === undefined) record.error = err;
          ended();
          throw err;
        }
      },
      async return(value?: unknown) {
        ended();
        if (inner.return) return inner.return(value);
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}
