import { format } from 'node:util';
import type { EventOptions, EventRecorder, EventSubject, EventType } from './types.js';

/** One call a {@link FakeEventRecorder} received. */
export interface RecordedEvent {
  object: EventSubject;
  type: EventType;
  reason: string;
  message: string;
  options?: EventOptions;
}

/**
 * An {@link EventRecorder} for unit tests of controllers (client-go's FakeRecorder): it keeps
 * every call, in order, in `events`, and writes nothing. Like the real one it never throws.
 */
export class FakeEventRecorder implements EventRecorder {
  readonly events: RecordedEvent[] = [];

  event(
    object: EventSubject,
    type: EventType,
    reason: string,
    message: string,
    options?: EventOptions,
  ): void {
    this.events.push({ object, type, reason, message, ...(options ? { options } : {}) });
  }

  eventf(object: EventSubject, type: EventType, reason: string, fmt: string, ...args: unknown[]): void {
    this.event(object, type, reason, format(fmt, ...args));
  }

  /** `"<type> <reason> <message>"` for each event, handy in assertions. */
  lines(): string[] {
    return this.events.map((e) => `${e.type} ${e.reason} ${e.message}`);
  }

  /** Forgets the events recorded so far. */
  clear(): void {
    this.events.length = 0;
  }
}
