import { type Clock, realClock } from '../common/clock.js';

/**
 * Client-side request rate limit: a token bucket holding up to `burst` tokens, refilled at `qps`
 * per second; each request takes one token, waiting in FIFO order when none is left (like
 * client-go's flowcontrol.TokenBucketRateLimiter). A negative or zero `qps` disables limiting.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  // Waiters are served strictly in order so a burst cannot starve an early caller.
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly clock: Clock = realClock,
  ) {
    this.tokens = Math.max(1, burst);
    this.last = clock.now();
  }

  /** True when this bucket never waits. */
  get disabled(): boolean {
    return !(this.qps > 0);
  }

  /** Resolves when the caller may send one request; rejects if `signal` aborts while waiting. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (this.disabled) return Promise.resolve();
    // Take directly only when nobody is queued, so a late caller never overtakes an early one.
    if (this.pending === 0) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return Promise.resolve();
      }
    }
    this.pending++;
    const turn = this.tail.then(() => this.waitForToken(signal)).finally(() => this.pending--);
    // A waiter that aborted must not block the ones behind it.
    this.tail = turn.catch(() => {});
    return turn;
  }

  private pending = 0;

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(Math.max(1, this.burst), this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
  }

  private async waitForToken(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.clock.sleep(((1 - this.tokens) * 1000) / this.qps, signal);
    }
  }
}
