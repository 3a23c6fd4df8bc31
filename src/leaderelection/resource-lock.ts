import type { KubeClient, KubeObject } from '../client/index.js';
import type { LeaderElectionRecord } from './record.js';

/** What {@link ResourceLock.get} read: the record plus what identifies this version of it. */
export interface LockSnapshot {
  record: LeaderElectionRecord;
  /**
   * The record as stored (the annotation's JSON, or the Lease spec's fields as JSON; a
   * MultiLock joins both). Two reads of an unchanged record give equal strings.
   */
  raw: string;
  /**
   * The object's `metadata.resourceVersion` (a MultiLock joins both). Any write changes it,
   * even one that leaves the record byte-for-byte equal, so the elector counts it as a sign
   * of life too.
   */
  resourceVersion?: string;
}

/**
 * Storage for a {@link LeaderElectionRecord} in one API object (or two, for {@link MultiLock}).
 * Writes are optimistic: `update` sends the resourceVersion of the object as last read, created
 * or updated by this lock, so a concurrent writer makes it fail with ApiError 409 Conflict
 * instead of being overwritten. That guard is what decides races between candidates.
 *
 * A lock is used by one elector at a time and is not safe for concurrent calls.
 */
export interface ResourceLock {
  /** The identity this lock writes as holder; unique per candidate (e.g. pod name + a random suffix). */
  identity(): string;
  /** `namespace/name` (and the kind) of the object, for messages. */
  describe(): string;
  /** Reads the record; resolves `undefined` when the object does not exist. */
  get(signal?: AbortSignal): Promise<LockSnapshot | undefined>;
  /** Creates the object holding `record`; rejects with ApiError 409 AlreadyExists if it exists. */
  create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
  /**
   * Replaces the record in the object as last read, created or updated by this lock (ApiError
   * 409 Conflict if it changed since). Rejects when there was no such read yet.
   */
  update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
  /** Records an event such as "became leader" on the lock object, when the lock has a recorder. */
  recordEvent?(message: string): void;
  /**
   * Watches the lock object and yields each time it becomes free — its record names no holder
   * (a leader released it) or it was deleted — including once at the start if it is free then.
   * Followers use it to try at once instead of at their next retry; it never decides anything
   * (acquiring still goes through `get` and a guarded write). Optional: without it, followers
   * only poll. Runs until `signal` aborts; rejects on errors (the elector retries with backoff,
   * and stops watching on 403 Forbidden).
   */
  releases?(signal: AbortSignal): AsyncIterable<void>;
}

/**
 * Receives the events a lock records (`reason` is always `LeaderElection`, `type` `Normal`, the
 * message `<identity> <what happened>`), like client-go's EventRecorder. kubekit's event
 * recorder satisfies it; so does a small function that writes Events itself.
 */
export interface LockEventRecorder {
  event(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** What every single-object lock is built from. */
export interface ResourceLockOptions {
  /**
   * Client to use. Give the lock a token bucket of its own — `kube.withRateLimit()`, which
   * shares the connection pool — so a busy controller's requests cannot delay renewals past the
   * renew deadline (the Manager does this for its lock).
   */
  kube: KubeClient;
  namespace: string;
  name: string;
  /** This candidate's identity: unique among all candidates, never empty. */
  identity: string;
  eventRecorder?: LockEventRecorder;
}
