import { LRUCache } from 'lru-cache';
import type { Clock } from '../common/clock.js';

/** Settings of a {@link SpamFilter}. */
export interface SpamFilterOptions {
  /** Events one source may write about one object at once (default 25, as client-go). */
  burst?: number;
  /** Refill rate in events per second (default 1/300: one every 5 minutes, as client-go). */
  qps?: number;
  /** Sources × objects remembered; the least recently used are forgotten (default 4096). */
  cacheSize?: number;
}

interface Bucket {
  tokens: number;
  last: number;
}

/**
 * Caps how many writes one source makes about one object: a token bucket per key, holding up to
 * `burst` tokens refilled at `qps`, each write taking one. Keeps a long-broken object from
 * flooding the API with events. Buckets live in a bounded LRU, so memory stays bounded; a
 * forgotten key starts again with a full bucket.
 */
export class SpamFilter {
  readonly burst: number;
  readonly qps: number;
  private readonly buckets: LRUCache<string, Bucket>;

  constructor(
    private readonly clock: Clock,
    options: SpamFilterOptions = {},
  ) {
    this.burst = Math.max(1, options.burst ?? 25);
    this.qps = options.qps ?? 1 / 300;
    this.buckets = new LRUCache({ max: options.cacheSize ?? 4096 });
  }

  /** Takes a token for `key`: true when the write may go ahead, false when it is spam. */
  tryAccept(key: string): boolean {
    const now = this.clock.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, last: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.last) / 1000) * this.qps);
      bucket.last = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
