import { ApiError } from '../../../src/client/api-error.js';
import type { EventWrite } from '../../../src/events/event-record.js';
import type { EventSink } from '../../../src/events/sink.js';
import type { EventApiVersion } from '../../../src/events/types.js';

/** An ApiError as the server would send it. */
export function apiError(code: number, reason: string, message = reason): ApiError {
  return new ApiError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
}

/** One call a {@link FakeSink} received. */
export interface SinkCall {
  op: 'create' | 'update';
  event: EventWrite;
}

/**
 * An in-memory EventSink: a map of Events by namespace/name that answers like the API (409 on a
 * duplicate create, 404 on an update of a missing Event), with scripted failures and hangs.
 */
export class FakeSink implements EventSink {
  readonly calls: SinkCall[] = [];
  readonly objects = new Map<string, EventWrite>();
  /** Errors thrown by the next calls, in order (before the call takes effect). */
  readonly failures: unknown[] = [];
  /** Errors thrown by the next calls *after* they took effect (an answer lost on the way back). */
  readonly lostAnswers: unknown[] = [];
  /** Throw this on every call while set. */
  failAlways: unknown;
  /** While true, calls never settle (and ignore their signal, like a wedged connection). */
  hang = false;
  /** Signals of hung calls, to check they were aborted. */
  readonly hungSignals: AbortSignal[] = [];

  constructor(public apiVersion: EventApiVersion | undefined = 'events.k8s.io/v1') {}

  create(event: EventWrite, signal: AbortSignal): Promise<void> {
    return this.call('create', event, signal, () => {
      const key = `${event.namespace}/${event.name}`;
      if (this.objects.has(key)) throw apiError(409, 'AlreadyExists');
      this.objects.set(key, event);
    });
  }

  update(event: EventWrite, signal: AbortSignal): Promise<void> {
    return this.call('update', event, signal, () => {
      const key = `${event.namespace}/${event.name}`;
      if (!this.objects.has(key)) throw apiError(404, 'NotFound');
      this.objects.set(key, event);
    });
  }

  /** Events on the "server", in creation order. */
  events(): EventWrite[] {
    return [...this.objects.values()];
  }

  private async call(op: SinkCall['op'], event: EventWrite, signal: AbortSignal, apply: () => void) {
    this.calls.push({ op, event });
    if (this.hang) {
      this.hungSignals.push(signal);
      return new Promise<void>(() => {});
    }
    await Promise.resolve();
    if (this.failAlways !== undefined) throw this.failAlways;
    if (this.failures.length > 0) throw this.failures.shift();
    apply();
    if (this.lostAnswers.length > 0) throw this.lostAnswers.shift();
  }
}

/** A pod as read from the API. */
export function pod(name: string, namespace = 'ns1', uid = `uid-${name}`) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, uid, resourceVersion: '42' },
  };
}

/** Lets promise continuations (the sink loop) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
