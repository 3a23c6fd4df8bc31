import { IndexConflictError, IndexFuncError, IndexNotFoundError } from './errors.js';

/**
 * Maps an object to the values it is indexed under (e.g. its namespace). Must be
 * deterministic and must not throw for objects the cache can hold; a throw rejects the write.
 */
export type IndexFunc<T> = (obj: T) => string[];

/** Named index functions. */
export type Indexers<T> = Record<string, IndexFunc<T>>;

const NO_VALUES: readonly string[] = Object.freeze([]);

/**
 * One named index: value → keys, plus the values each key was last indexed under. Remembering
 * the values (instead of re-running the function on the old object, as client-go does) makes
 * removal exact even if an index function is not perfectly deterministic or an object was
 * mutated in the cache, so no key can be stranded in a bucket.
 */
class StoreIndex<T> {
  readonly buckets = new Map<string, Set<string>>();
  readonly valuesByKey = new Map<string, readonly string[]>();

  constructor(
    readonly name: string,
    readonly fn: IndexFunc<T>,
  ) {}

  /** Runs the index function; throws IndexFuncError (nothing is changed by this call). */
  compute(key: string | undefined, obj: T): readonly string[] {
    let values: unknown;
    try {
      values = this.fn(obj);
    } catch (err) {
      throw new IndexFuncError(this.name, key, err instanceof Error ? err.message : String(err), {
        cause: err,
      });
    }
    if (!Array.isArray(values)) {
      throw new IndexFuncError(this.name, key, `expected an array of strings, got ${typeof values}`);
    }
    for (const v of values) {
      if (typeof v !== 'string') {
        throw new IndexFuncError(this.name, key, `expected an array of strings, found a ${typeof v}`);
      }
    }
    return values.length === 0 ? NO_VALUES : values;
  }

  /** The last single-value array stored, shared by the keys with that same value. */
  private lastSingle: readonly string[] = NO_VALUES;

  /** Moves `key` from its previous values to `values`; touches only buckets that change. */
  set(key: string, values: readonly string[]): void {
    const old = this.valuesByKey.get(key);
    if (values.length === 1) {
      // Most objects of an informer share their one value (the namespace): keep one array.
      if (this.lastSingle.length === 1 && this.lastSingle[0] === values[0]) values = this.lastSingle;
      else this.lastSingle = values;
    }
    if (old !== undefined) {
      // The common case: one value (a namespace) that did not change.
      if (old.length === 1 && values.length === 1 && old[0] === values[0]) {
        if (old !== values) this.valuesByKey.set(key, values);
        return;
      }
      for (const v of old) this.removeFromBucket(v, key);
    }
    for (const v of values) {
      let bucket = this.buckets.get(v);
      if (bucket === undefined) {
        bucket = new Set();
        this.buckets.set(v, bucket);
      }
      bucket.add(key);
    }
    // Keys without values (cluster-scoped objects in a namespace index) cost no entry.
    if (values.length === 0) this.valuesByKey.delete(key);
    else this.valuesByKey.set(key, values);
  }

  remove(key: string): void {
    const old = this.valuesByKey.get(key);
    if (old === undefined) return;
    this.valuesByKey.delete(key);
    for (const v of old) this.removeFromBucket(v, key);
  }

  /** Empty buckets are dropped at once: high-churn values must not leak (kubernetes#84959). */
  private removeFromBucket(value: string, key: string): void {
    const bucket = this.buckets.get(value);
    if (bucket === undefined) return;
    bucket.delete(key);
    if (bucket.size === 0) this.buckets.delete(value);
  }
}

/**
 * client-go's `ThreadSafeStore`: objects by key plus named indices kept in step with them.
 * JavaScript runs one call at a time, so every method is atomic by construction; what needs
 * care is failure, and every mutating method computes everything that can throw (index
 * functions) before it changes anything, so a rejected write leaves the store as it was.
 *
 * Objects are stored by reference and must be treated as read-only: changing one in place does
 * not re-index it.
 */
export class ThreadSafeStore<T> {
  private items = new Map<string, T>();
  private readonly indices: StoreIndex<T>[] = [];
  private readonly byName = new Map<string, StoreIndex<T>>();

  constructor(indexers?: Indexers<T>) {
    if (indexers) {
      for (const [name, fn] of Object.entries(indexers)) this.register(new StoreIndex(name, fn));
    }
  }

  get size(): number {
    return this.items.size;
  }

  /** Inserts or replaces the object under `key`, re-indexing it. @throws IndexFuncError */
  upsert(key: string, obj: T): void {
    const indices = this.indices;
    const n = indices.length;
    if (n === 0) {
      this.items.set(key, obj);
      return;
    }
    if (n === 1) {
      const index = indices[0]!;
      const values = index.compute(key, obj);
      this.items.set(key, obj);
      index.set(key, values);
      return;
    }
    const computed = new Array<readonly string[]>(n);
    for (let i = 0; i < n; i++) computed[i] = indices[i]!.compute(key, obj);
    this.items.set(key, obj);
    for (let i = 0; i < n; i++) indices[i]!.set(key, computed[i]!);
  }

  /** Removes `key` and its index entries; a missing key is a no-op. Never throws. */
  delete(key: string): void {
    if (!this.items.delete(key)) return;
    for (const index of this.indices) index.remove(key);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  /** A fresh array of the stored objects. */
  list(): T[] {
    return Array.from(this.items.values());
  }

  /** A fresh array of the stored keys. */
  listKeys(): string[] {
    return Array.from(this.items.keys());
  }

  /**
   * Swaps the whole content for `entries` and rebuilds every index. All index values are
   * computed first, so a throwing index function leaves the old content in place.
   * @throws IndexFuncError
   */
  replace(entries: Map<string, T>): void {
    const fresh = this.indices.map((old) => new StoreIndex<T>(old.name, old.fn));
    for (const index of fresh) {
      for (const [key, obj] of entries) index.set(key, index.compute(key, obj));
    }
    this.items = entries;
    for (let i = 0; i < fresh.length; i++) {
      const index = fresh[i]!;
      this.indices[i] = index;
      this.byName.set(index.name, index);
    }
  }

  /** Objects that share at least one value of index `indexName` with `obj`. */
  index(indexName: string, obj: T): T[] {
    const index = this.lookup(indexName);
    const values = index.compute(undefined, obj);
    if (values.length === 1) return this.objectsOf(index.buckets.get(values[0]!));
    const keys = new Set<string>();
    for (const v of values) {
      const bucket = index.buckets.get(v);
      if (bucket) for (const k of bucket) keys.add(k);
    }
    return this.objectsOf(keys);
  }

  indexKeys(indexName: string, indexedValue: string): string[] {
    const bucket = this.lookup(indexName).buckets.get(indexedValue);
    return bucket ? Array.from(bucket) : [];
  }

  listIndexFuncValues(indexName: string): string[] {
    return Array.from(this.lookup(indexName).buckets.keys());
  }

  byIndex(indexName: string, indexedValue: string): T[] {
    return this.objectsOf(this.lookup(indexName).buckets.get(indexedValue));
  }

  getIndexers(): Indexers<T> {
    const out: Indexers<T> = {};
    for (const index of this.indices) out[index.name] = index.fn;
    return out;
  }

  /**
   * Registers more index functions and indexes the objects already stored under them. Either
   * all are added or none: a name conflict or a throwing function changes nothing.
   * @throws IndexConflictError, IndexFuncError
   */
  addIndexers(newIndexers: Indexers<T>): void {
    const entries = Object.entries(newIndexers);
    const conflicts = entries.map(([name]) => name).filter((name) => this.byName.has(name));
    if (conflicts.length > 0) throw new IndexConflictError(conflicts);
    const added = entries.map(([name, fn]) => new StoreIndex(name, fn));
    for (const index of added) {
      for (const [key, obj] of this.items) index.set(key, index.compute(key, obj));
    }
    for (const index of added) this.register(index);
  }

  private register(index: StoreIndex<T>): void {
    this.indices.push(index);
    this.byName.set(index.name, index);
  }

  private lookup(indexName: string): StoreIndex<T> {
    const index = this.byName.get(indexName);
    if (index === undefined) throw new IndexNotFoundError(indexName);
    return index;
  }

  private objectsOf(keys: Set<string> | undefined): T[] {
    if (keys === undefined) return [];
    const out = new Array<T>(keys.size);
    let i = 0;
    for (const k of keys) out[i++] = this.items.get(k)!;
    return out;
  }
}
