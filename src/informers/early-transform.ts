import type { ReflectorStore } from './reflector.js';

/**
 * The store's transform applied to one list attempt's items as they are decoded (see
 * DeltaFIFO.transformEarly), so a large list never holds all its untransformed objects.
 * `item` is given to the ListWatch as `transformItem`; `settle` takes each page's items and makes
 * sure every one went through it, since a ListWatch may ignore `transformItem`. `apply` is for
 * a producer that transforms every item itself (watch-list) and needs no settling.
 */
export class EarlyTransform<T> {
  /** Items whose transform threw: `replace` transforms them again and reports the error. */
  readonly failed = new Set<T>();
  private outputs: T[] = [];

  constructor(private readonly store: Required<Pick<ReflectorStore<T>, 'transformEarly'>>) {}

  readonly apply = (obj: T): T => this.store.transformEarly(obj, this.failed);

  /** `apply`, recording the output for {@link settle}. */
  readonly item = (obj: T): T => {
    const out = this.apply(obj);
    this.outputs.push(out);
    return out;
  };

  /** Forgets everything so far: the list starts over. */
  reset(): void {
    this.outputs = [];
    this.failed.clear();
  }

  /** The page's items, each transformed exactly once. */
  settle(items: T[]): T[] {
    const outputs = this.outputs;
    this.outputs = [];
    if (outputs.length === items.length && items.every((item, i) => item === outputs[i])) return items;
    // The ListWatch skipped (some of) them: transform those now.
    const done = new Set(outputs);
    return items.map((item) => (done.has(item) ? item : this.apply(item)));
  }
}
