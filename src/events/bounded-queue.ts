/**
 * A FIFO of at most `capacity` items on a ring buffer: `push` is O(1) and refuses (returns
 * false) when full instead of growing or waiting, so producers never block; one consumer awaits
 * items with `next`.
 */
export class BoundedQueue<T> {
  private readonly ring: (T | undefined)[];
  private head = 0;
  private size = 0;
  private waiter: (() => void) | undefined;

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) {
      throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
    }
    this.ring = new Array(capacity);
  }

  /** Items waiting. */
  get length(): number {
    return this.size;
  }

  /** Appends `item`; false (and nothing changes) when the queue is full. */
  push(item: T): boolean {
    if (this.size === this.capacity) return false;
    this.ring[(this.head + this.size) % this.capacity] = item;
    this.size++;
    const wake = this.waiter;
    this.waiter = undefined;
    wake?.();
    return true;
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    return item;
  }

  /** Removes and returns every item, oldest first. */
  drain(): T[] {
    const out: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) out.push(item);
    return out;
  }

  /**
   * Resolves once the queue is non-empty (at once if it already is) or `signal` aborts — never
   * rejects. One waiter at a time: the queue has a single consumer.
   */
  whenNonEmpty(signal: AbortSignal): Promise<void> {
    if (this.size > 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        if (this.waiter === done) this.waiter = undefined;
        resolve();
      };
      this.waiter = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
