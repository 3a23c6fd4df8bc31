import type { QueueKey } from './queue.js';

const MIN_CAPACITY = 16;
// Rebuilding is O(n); only worth it when superseded entries are both numerous and the majority.
const COMPACT_MIN_STALE = 1024;

/**
 * The delaying queue's waiting room: a binary min-heap on (readyAt, insertion order) plus a map
 * from key to the key's current ready time.
 *
 * Layout is struct-of-arrays (ready times and sequence numbers in Float64Arrays, items in a plain
 * array) so a pending item costs no object of its own, and sifting never touches the map. When a
 * key is scheduled again for an earlier time, a new heap entry is pushed and the old one becomes
 * stale: it is recognised on pop (its time no longer matches the map) and skipped, and the heap is
 * rebuilt if stale entries ever dominate. Equal ready times pop in scheduling order.
 */
export class DelayHeap<T> {
  private at = new Float64Array(MIN_CAPACITY);
  private seq = new Float64Array(MIN_CAPACITY);
  private items: (T | undefined)[] = new Array<T | undefined>(MIN_CAPACITY).fill(undefined);
  private size = 0;
  private nextSeq = 0;
  private stale = 0;
  private readonly due = new Map<QueueKey, number>();

  constructor(private readonly keyOf: (item: T) => QueueKey) {}

  /** Number of distinct keys waiting. */
  get pending(): number {
    return this.due.size;
  }

  /**
   * Schedules `item` (whose key is `key`) at `readyAt`, unless it is already scheduled no later.
   * Returns false when the call changed nothing.
   */
  schedule(key: QueueKey, item: T, readyAt: number): boolean {
    const current = this.due.get(key);
    if (current !== undefined) {
      if (current <= readyAt) return false;
      this.stale++;
    }
    this.due.set(key, readyAt);
    if (this.size === this.at.length) this.resize(this.size * 2);
    const i = this.size++;
    this.at[i] = readyAt;
    this.seq[i] = this.nextSeq++;
    this.items[i] = item;
    this.siftUp(i);
    if (this.stale >= COMPACT_MIN_STALE && this.stale * 2 > this.size) this.compact();
    return true;
  }

  /** Earliest ready time among live entries, or undefined when nothing waits. */
  peekTime(): number | undefined {
    this.dropStaleHead();
    return this.size > 0 ? this.at[0] : undefined;
  }

  /** Removes and returns the earliest item if it is ready at `now`; otherwise undefined. */
  popReady(now: number): T | undefined {
    this.dropStaleHead();
    if (this.size === 0 || this.at[0]! > now) return undefined;
    const item = this.items[0] as T;
    this.due.delete(this.keyOf(item));
    this.removeHead();
    return item;
  }

  /** Forgets everything and releases the storage. */
  clear(): void {
    this.at = new Float64Array(MIN_CAPACITY);
    this.seq = new Float64Array(MIN_CAPACITY);
    this.items = new Array<T | undefined>(MIN_CAPACITY).fill(undefined);
    this.size = 0;
    this.stale = 0;
    this.due.clear();
  }

  private dropStaleHead(): void {
    while (this.size > 0 && this.due.get(this.keyOf(this.items[0] as T)) !== this.at[0]) {
      this.removeHead();
      if (this.stale > 0) this.stale--;
    }
  }

  private removeHead(): void {
    const last = --this.size;
    this.at[0] = this.at[last]!;
    this.seq[0] = this.seq[last]!;
    this.items[0] = this.items[last];
    this.items[last] = undefined;
    if (last > 0) this.siftDown(0);
    if (this.at.length > MIN_CAPACITY && this.size <= this.at.length >>> 2) {
      this.resize(this.at.length >>> 1);
    }
  }

  private less(i: number, j: number): boolean {
    const a = this.at[i]!;
    const b = this.at[j]!;
    return a < b || (a === b && this.seq[i]! < this.seq[j]!);
  }

  private swap(i: number, j: number): void {
    const at = this.at;
    const seq = this.seq;
    const items = this.items;
    const t = at[i]!;
    at[i] = at[j]!;
    at[j] = t;
    const s = seq[i]!;
    seq[i] = seq[j]!;
    seq[j] = s;
    const v = items[i];
    items[i] = items[j];
    items[j] = v;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.size;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) return;
      const right = left + 1;
      const child = right < n && this.less(right, left) ? right : left;
      if (!this.less(child, i)) return;
      this.swap(i, child);
      i = child;
    }
  }

  private resize(capacity: number): void {
    const at = new Float64Array(capacity);
    at.set(this.at.subarray(0, this.size));
    const seq = new Float64Array(capacity);
    seq.set(this.seq.subarray(0, this.size));
    const items = new Array<T | undefined>(capacity).fill(undefined);
    for (let i = 0; i < this.size; i++) items[i] = this.items[i];
    this.at = at;
    this.seq = seq;
    this.items = items;
  }

  /** Drops superseded entries and re-heapifies. */
  private compact(): void {
    let n = 0;
    const live = new Set<QueueKey>();
    for (let i = 0; i < this.size; i++) {
      const item = this.items[i] as T;
      const key = this.keyOf(item);
      if (this.due.get(key) !== this.at[i] || live.has(key)) continue;
      live.add(key);
      this.at[n] = this.at[i]!;
      this.seq[n] = this.seq[i]!;
      this.items[n] = item;
      n++;
    }
    for (let i = n; i < this.size; i++) this.items[i] = undefined;
    this.size = n;
    this.stale = 0;
    for (let i = (n >>> 1) - 1; i >= 0; i--) this.siftDown(i);
  }
}
