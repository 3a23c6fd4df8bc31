import type { Clock } from '../common/clock.js';
import type { ResourceEventHandler, ResourceEventHandlerRegistration } from './event-handler.js';
import type { DeletedFinalStateUnknown } from './keys.js';

/** One change to deliver to one handler. */
export type Notification<T> =
  | { kind: 'add'; obj: T; isInInitialList: boolean }
  | { kind: 'update'; oldObj: T; newObj: T }
  | { kind: 'delete'; obj: T | DeletedFinalStateUnknown<T> };

// After this many synchronous deliveries the loop yields to the event loop, so a burst of
// notifications cannot starve sockets and timers.
const batchSize = 512;

/**
 * Delivers notifications to one handler, serially, from its own unbounded buffer: adding never
 * blocks the informer, and a slow handler never delays another. Also tracks this handler's
 * resync schedule and whether it has caught up with the initial list.
 */
export class ProcessorListener<T> implements ResourceEventHandlerRegistration {
  private buffer: Notification<T>[] = [];
  /** When each buffered notification was queued (clock ms), for {@link lagMs}. */
  private queuedAt: number[] = [];
  private head = 0;
  private wake: (() => void) | undefined;
  private stopped = false;
  /** Initial-list notifications queued but not yet delivered. */
  private pendingInitial = 0;
  private nextResyncAt = 0;
  /** Set for one resync round by the processor. */
  syncing = false;

  constructor(
    readonly handler: ResourceEventHandler<T>,
    public resyncPeriodMs: number,
    private readonly informerSynced: () => boolean,
    private readonly onError: (err: unknown) => void,
    private readonly clock: Clock,
  ) {
    this.scheduleNextResync();
  }

  hasSynced(): boolean {
    return this.informerSynced() && this.pendingInitial === 0;
  }

  /** Queues a notification; returns at once. */
  add(notification: Notification<T>): void {
    if (this.stopped) return;
    if (notification.kind === 'add' && notification.isInInitialList) this.pendingInitial++;
    this.buffer.push(notification);
    this.queuedAt.push(this.clock.now());
    const wake = this.wake;
    if (wake) {
      this.wake = undefined;
      wake();
    }
  }

  /** Number of notifications waiting for the handler. */
  get backlog(): number {
    return this.buffer.length - this.head;
  }

  /** Age of the oldest notification waiting for the handler (0 when none waits). */
  lagMs(): number {
    return this.head < this.buffer.length ? Math.max(0, this.clock.now() - this.queuedAt[this.head]!) : 0;
  }

  /** True when this handler's resync is due at `now`. */
  resyncDue(now: number): boolean {
    return this.resyncPeriodMs > 0 && now >= this.nextResyncAt;
  }

  scheduleNextResync(): void {
    this.nextResyncAt = this.clock.now() + this.resyncPeriodMs;
  }

  /** Delivers until stopped; the pending notifications are dropped at stop. Never rejects. */
  async run(): Promise<void> {
    // Never call the handler from inside addEventHandler or run(): the caller may not have
    // finished setting up what the handler uses.
    await Promise.resolve();
    while (!this.stopped) {
      if (this.head === this.buffer.length) {
        this.buffer = [];
        this.queuedAt = [];
        this.head = 0;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      for (let n = 0; n < batchSize && this.head < this.buffer.length && !this.stopped; n++) {
        const notification = this.buffer[this.head]!;
        this.buffer[this.head++] = undefined as unknown as Notification<T>;
        try {
          const result = this.deliver(notification);
          // Async handlers are awaited so calls stay serial; plain ones return at once.
          if (result instanceof Promise) await result;
        } catch (err) {
          this.onError(err);
        } finally {
          // After stop() zeroed the count, a delivery still in flight must not take it below 0.
          if (notification.kind === 'add' && notification.isInInitialList && this.pendingInitial > 0)
            this.pendingInitial--;
        }
      }
      // Compact the consumed prefix now and then so the buffer does not grow without bound.
      if (this.head > 4096 && this.head * 2 > this.buffer.length) {
        this.buffer = this.buffer.slice(this.head);
        this.queuedAt = this.queuedAt.slice(this.head);
        this.head = 0;
      }
      if (this.head < this.buffer.length) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Stops delivery after the notification in progress; idempotent. */
  stop(): void {
    this.stopped = true;
    this.buffer = [];
    this.queuedAt = [];
    this.head = 0;
    this.pendingInitial = 0;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private deliver(n: Notification<T>): unknown {
    switch (n.kind) {
      case 'add':
        return this.handler.onAdd?.(n.obj, n.isInInitialList);
      case 'update':
        return this.handler.onUpdate?.(n.oldObj, n.newObj);
      case 'delete':
        return this.handler.onDelete?.(n.obj);
    }
  }
}
