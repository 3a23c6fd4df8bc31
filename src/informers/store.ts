import { computeKey, DeletedFinalStateUnknown, type KeyFunc, type KubeObjectLike } from './keys.js';
import { type Indexers, ThreadSafeStore } from './thread-safe-store.js';

export type { Indexers, IndexFunc } from './thread-safe-store.js';

/** Name of the index {@link metaNamespaceIndexFunc} is registered under by the informers. */
export const NamespaceIndex = 'namespace';

/**
 * Indexes an object by its namespace: `[namespace]`, or `[]` for a cluster-scoped object (or
 * one without metadata), so cluster-scoped objects occupy no bucket. (client-go indexes them
 * under `""`; `byIndex(NamespaceIndex, '')` therefore returns nothing here.)
 */
export function metaNamespaceIndexFunc(obj: KubeObjectLike): string[] {
  const namespace = obj?.metadata?.namespace;
  return typeof namespace === 'string' && namespace.length > 0 ? [namespace] : [];
}

/**
 * A keyed cache of objects (client-go's `cache.Store`). Every method runs to completion before
 * any other code can observe the store, so readers never see a half-applied write.
 *
 * Objects are stored and returned by reference and are shared with every reader: treat them as
 * read-only. Arrays returned by `list`/`listKeys` are fresh and may be mutated.
 */
export interface Store<T> {
  /** Inserts `obj`, or replaces the object with the same key. @throws KeyError, IndexFuncError */
  add(obj: T): void;
  /** Same as {@link Store.add}: the store does not distinguish insert from update. */
  update(obj: T): void;
  /** Removes the object with the key of `obj` (a tombstone's key for a tombstone); absent is a no-op. @throws KeyError */
  delete(obj: T | DeletedFinalStateUnknown<T>): void;
  /** All objects, in a fresh array (order unspecified). */
  list(): T[];
  /** All keys, in a fresh array (order unspecified). */
  listKeys(): string[];
  /** The stored object with the same key as `obj`. @throws KeyError */
  get(obj: T): T | undefined;
  getByKey(key: string): T | undefined;
  /**
   * Atomically swaps the whole content for `items` and rebuilds every index. Keys and index
   * values of all items are computed first: if any throws, the store is unchanged. With
   * duplicate keys in `items` the last one wins. `resourceVersion` is accepted for
   * client-go parity and not kept.
   * @throws KeyError, IndexFuncError
   */
  replace(items: T[], resourceVersion: string): void;
  /** Number of stored objects. */
  readonly size: number;
}

/**
 * A {@link Store} with named secondary indices (client-go's `cache.Indexer`). Indices are
 * maintained incrementally: an update moves the key only between the buckets whose values
 * changed, and a bucket that becomes empty is removed (no memory grows with churn).
 *
 * Write failure: an index function that throws rejects the whole `add`/`update`/`replace`/
 * `addIndexers` with an {@link IndexFuncError} before anything changes. Reads with an unknown
 * index name throw {@link IndexNotFoundError}.
 */
export interface Indexer<T> extends Store<T> {
  /** Objects sharing at least one value of index `indexName` with `obj` (no duplicates). */
  index(indexName: string, obj: T): T[];
  /** Keys of the objects indexed under `indexedValue`, in a fresh array. */
  indexKeys(indexName: string, indexedValue: string): string[];
  /** Every value that currently has at least one object in index `indexName`. */
  listIndexFuncValues(indexName: string): string[];
  /** Objects indexed under `indexedValue`, in a fresh array. */
  byIndex(indexName: string, indexedValue: string): T[];
  /** A copy of the registered index functions by name. */
  getIndexers(): Indexers<T>;
  /**
   * Registers more index functions; objects already stored are indexed at once. All or
   * nothing. @throws IndexConflictError for a name already registered, IndexFuncError
   */
  addIndexers(newIndexers: Indexers<T>): void;
}

class KeyedIndexer<T> implements Indexer<T> {
  private readonly store: ThreadSafeStore<T>;

  constructor(
    private readonly keyFunc: KeyFunc<T>,
    indexers?: Indexers<T>,
  ) {
    this.store = new ThreadSafeStore(indexers);
  }

  get size(): number {
    return this.store.size;
  }

  add(obj: T): void {
    this.store.upsert(computeKey(this.keyFunc, obj), obj);
  }

  update(obj: T): void {
    this.store.upsert(computeKey(this.keyFunc, obj), obj);
  }

  delete(obj: T | DeletedFinalStateUnknown<T>): void {
    // A tombstone names its key outright, whatever key function the store was built with.
    const key = obj instanceof DeletedFinalStateUnknown ? obj.key : computeKey(this.keyFunc, obj);
    this.store.delete(key);
  }

  list(): T[] {
    return this.store.list();
  }

  listKeys(): string[] {
    return this.store.listKeys();
  }

  get(obj: T): T | undefined {
    return this.store.get(computeKey(this.keyFunc, obj));
  }

  getByKey(key: string): T | undefined {
    return this.store.get(key);
  }

  replace(items: T[], _resourceVersion: string): void {
    const entries = new Map<string, T>();
    for (const item of items) entries.set(computeKey(this.keyFunc, item), item);
    this.store.replace(entries);
  }

  index(indexName: string, obj: T): T[] {
    return this.store.index(indexName, obj);
  }

  indexKeys(indexName: string, indexedValue: string): string[] {
    return this.store.indexKeys(indexName, indexedValue);
  }

  listIndexFuncValues(indexName: string): string[] {
    return this.store.listIndexFuncValues(indexName);
  }

  byIndex(indexName: string, indexedValue: string): T[] {
    return this.store.byIndex(indexName, indexedValue);
  }

  getIndexers(): Indexers<T> {
    return this.store.getIndexers();
  }

  addIndexers(newIndexers: Indexers<T>): void {
    this.store.addIndexers(newIndexers);
  }
}

/**
 * Creates an empty {@link Indexer} keyed by `keyFunc` with the given index functions (none
 * implied: the informer adds {@link NamespaceIndex} itself). An indexer without index
 * functions is a plain {@link Store}.
 */
export function newIndexer<T>(keyFunc: KeyFunc<T>, indexers?: Indexers<T>): Indexer<T> {
  return new KeyedIndexer(keyFunc, indexers);
}
