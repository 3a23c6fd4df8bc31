import { LRUCache } from 'lru-cache';
import type { Clock } from '../common/clock.js';

/** Settings of an {@link EventAggregator}. */
export interface EventAggregatorOptions {
  /**
   * Distinct messages in one group (same source, object, type, reason) within the window at
   * which a message is combined instead of written on its own (default 10, as client-go).
   */
  maxSimilar?: number;
  /** A group is forgotten after this long without an event (default 10 minutes, as client-go). */
  windowMs?: number;
  /** Groups remembered; the least recently used are forgotten (default 4096). */
  cacheSize?: number;
}

interface Group {
  readonly messages: Set<string>;
  lastSeen: number;
}

/** Prefix of a combined event's message, as client-go writes it. */
export const COMBINED_PREFIX = '(combined from similar events): ';

/**
 * Spots many similar events — same source, object, type and reason, different messages — and
 * folds them into one. Within a group, the first `maxSimilar - 1` distinct messages are events of
 * their own (repeats of them count on their own event); every further distinct message is
 * "combined": written as one shared event whose message is `(combined from similar events): `
 * plus the latest message. A group quiet for `windowMs` starts over.
 *
 * client-go remembers the set of messages and, at the threshold, forgets a random one; here the
 * set simply stops growing, so which messages stay individual is deterministic.
 */
export class EventAggregator {
  readonly maxSimilar: number;
  readonly windowMs: number;
  private readonly groups: LRUCache<string, Group>;

  constructor(
    private readonly clock: Clock,
    options: EventAggregatorOptions = {},
  ) {
    this.maxSimilar = Math.max(1, options.maxSimilar ?? 10);
    this.windowMs = options.windowMs ?? 600_000;
    this.groups = new LRUCache({ max: options.cacheSize ?? 4096 });
  }

  /** Records an event of group `groupKey` with message key `messageKey`; true when it is to be combined. */
  observe(groupKey: string, messageKey: string): boolean {
    const now = this.clock.now();
    let group = this.groups.get(groupKey);
    if (group === undefined || now - group.lastSeen > this.windowMs) {
      group = { messages: new Set(), lastSeen: now };
      this.groups.set(groupKey, group);
    }
    group.lastSeen = now;
    if (group.messages.has(messageKey)) return false;
    if (group.messages.size + 1 >= this.maxSimilar) return true;
    group.messages.add(messageKey);
    return false;
  }
}
