const MIN_CAPACITY = 16;

/**
 * A growable ring buffer used as the queues' FIFO. `Array.prototype.shift` is O(n) once an array
 * leaves V8's fast path, and a head index over a plain array never releases the consumed prefix;
 * a power-of-two ring gives O(1) push/shift and gives memory back after a burst (it halves when
 * three quarters empty).
 */
export class Fifo<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private size = 0;
  private mask: number;

  constructor() {
    this.buf = new Array<T | undefined>(MIN_CAPACITY).fill(undefined);
    this.mask = MIN_CAPACITY - 1;
  }

  get length(): number {
    return this.size;
  }

  push(value: T): void {
    if (this.size === this.buf.length) this.resize(this.buf.length * 2);
    this.buf[(this.head + this.size) & this.mask] = value;
    this.size++;
  }

  /** Removes and returns the oldest value; undefined when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const value = this.buf[this.head];
    // Drop the reference so a consumed item can be collected while the ring lives on.
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    if (this.buf.length > MIN_CAPACITY && this.size <= this.buf.length >>> 2) {
      this.resize(this.buf.length >>> 1);
    }
    return value;
  }

  /** Removes the first occurrence of `value` (O(n); used only for rare cancellations). */
  remove(value: T): boolean {
    for (let i = 0; i < this.size; i++) {
      if (this.buf[(this.head + i) & this.mask] !== value) continue;
      for (let j = i; j < this.size - 1; j++) {
        this.buf[(this.head + j) & this.mask] = this.buf[(this.head + j + 1) & this.mask];
      }
      this.buf[(this.head + this.size - 1) & this.mask] = undefined;
      this.size--;
      return true;
    }
    return false;
  }

  private resize(capacity: number): void {
    const next = new Array<T | undefined>(capacity).fill(undefined);
    for (let i = 0; i < this.size; i++) next[i] = this.buf[(this.head + i) & this.mask];
    this.buf = next;
    this.head = 0;
    this.mask = capacity - 1;
  }
}
