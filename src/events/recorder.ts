import { format } from 'node:util';
import type { ResourceType } from '../client/resource-type.js';
import { EventError } from './errors.js';
import type { EventRecord } from './event-record.js';
import { describeReference, objectReference } from './object-reference.js';
import type { EventOptions, EventRecorder, EventSubject, EventType } from './types.js';
import { checkShortField, truncateNote } from './validation.js';

/** Options of {@link EventBroadcaster.newRecorder}. */
export interface RecorderOptions {
  /**
   * `reportingController` (core `source.component`) of this recorder's events; default the
   * broadcaster's component. A qualified name such as `tenant-operator` or `example.com/tenant-operator`.
   */
  component?: string;
  /** `action` of events that name none; default: the event's reason. */
  action?: string;
  /**
   * Type of objects passed without `kind`/`apiVersion` (as objects from lists and informer
   * caches are), e.g. `Pods` or your CRD's ResourceType. Objects that carry a kind keep it.
   */
  defaultType?: ResourceType;
}

/** What a recorder hands its records to (the broadcaster). */
export interface RecordTarget {
  accept(record: EventRecord): void;
  reject(error: EventError): void;
}

const EVENT_TYPES: ReadonlySet<string> = new Set(['Normal', 'Warning']);

/**
 * An {@link EventRecorder} bound to one broadcaster and one reporting controller and instance.
 * Validates each call, builds the object references and hands the record to the broadcaster; a
 * bad call is reported as an {@link EventError} through the broadcaster's `onError`, never thrown.
 */
export class BroadcasterRecorder implements EventRecorder {
  constructor(
    private readonly target: RecordTarget,
    private readonly reportingController: string,
    private readonly reportingInstance: string,
    private readonly options: Omit<RecorderOptions, 'component'> = {},
  ) {}

  event(
    object: EventSubject,
    type: EventType,
    reason: string,
    message: string,
    options?: EventOptions,
  ): void {
    try {
      const record = this.build(object, type, reason, message, options);
      if (typeof record === 'string') this.reject(record, object, type, reason);
      else this.target.accept(record);
    } catch (err) {
      // Only a bug can land here; event() still must not throw into a reconcile loop.
      this.reject(`could not record the event: ${(err as Error)?.message ?? err}`, object, type, reason, err);
    }
  }

  eventf(object: EventSubject, type: EventType, reason: string, fmt: string, ...args: unknown[]): void {
    let message: string;
    try {
      message = format(fmt, ...args);
    } catch {
      message = String(fmt);
    }
    this.event(object, type, reason, message);
  }

  /** The record for one call, or why the call is invalid. */
  private build(
    object: EventSubject,
    type: EventType,
    reason: string,
    message: string,
    options: EventOptions | undefined,
  ): EventRecord | string {
    const regarding = objectReference(object, this.options.defaultType);
    if (typeof regarding === 'string') return regarding;
    if (!EVENT_TYPES.has(type)) return `event type must be Normal or Warning, not ${JSON.stringify(type)}`;
    const badReason = checkShortField('reason', reason);
    if (badReason) return badReason;
    const action = options?.action ?? this.options.action ?? reason;
    const badAction = checkShortField('action', action);
    if (badAction) return badAction;
    let related: EventRecord['related'];
    if (options?.related !== undefined) {
      const ref = objectReference(options.related, this.options.defaultType);
      // As client-go: an unusable related object is left out, the event still recorded.
      if (typeof ref !== 'string') related = ref;
    }
    return {
      regarding,
      ...(related ? { related } : {}),
      type,
      reason,
      action,
      note: truncateNote(typeof message === 'string' ? message : String(message ?? '')),
      reportingController: this.reportingController,
      reportingInstance: this.reportingInstance,
    };
  }

  private reject(
    message: string,
    object: EventSubject,
    type: unknown,
    reason: unknown,
    cause?: unknown,
  ): void {
    let described = '<unknown object>';
    try {
      const ref = objectReference(object, this.options.defaultType);
      if (typeof ref !== 'string') described = describeReference(ref);
      else if (object && typeof object === 'object') {
        // Name what we can of an object we could not reference (e.g. one without kind).
        const meta = 'metadata' in object ? object.metadata : object;
        if (meta && 'name' in meta && meta.name)
          described = describeReference({ ...meta, kind: object.kind });
      }
    } catch {}
    this.target.reject(
      new EventError(
        'Invalid',
        `event dropped: ${message}`,
        { object: described, type: String(type), reason: String(reason) },
        cause === undefined ? undefined : { cause },
      ),
    );
  }
}
