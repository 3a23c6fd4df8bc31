import {
  isGone,
  isNotFound,
  type KubeObject,
  type ResourceClient,
  type ResourceType,
} from '../client/index.js';
import { ConfigError } from '../common/errors.js';
import type { LeaderElectionRecord } from './record.js';
import type { LockEventRecorder, LockSnapshot, ResourceLock, ResourceLockOptions } from './resource-lock.js';

/**
 * Shared machinery of the locks that keep the record in one API object: option checks, the
 * cached object whose resourceVersion guards every update, and 404 → "not found". Subclasses
 * only say how the record maps to and from their object.
 */
export abstract class ObjectLock<T extends KubeObject> implements ResourceLock {
  readonly namespace: string;
  readonly name: string;
  readonly #identity: string;
  readonly #client: ResourceClient<T>;
  readonly #recorder: LockEventRecorder | undefined;
  // The object as last read, created or updated: its resourceVersion guards the next update.
  #object: T | undefined;

  protected constructor(
    protected readonly type: ResourceType<T>,
    options: ResourceLockOptions,
  ) {
    const what = `A ${type.kind} lock`;
    if (!options || typeof options !== 'object') throw new ConfigError(`${what} needs options.`);
    if (!options.kube) throw new ConfigError(`${what} needs a KubeClient (options.kube).`);
    for (const key of ['namespace', 'name', 'identity'] as const) {
      if (typeof options[key] !== 'string' || options[key].trim() === '') {
        throw new ConfigError(
          `${what} needs a non-empty ${key}` +
            (key === 'identity'
              ? ' that is unique to this candidate (e.g. the pod name plus a random suffix).'
              : '.'),
        );
      }
    }
    this.namespace = options.namespace;
    this.name = options.name;
    this.#identity = options.identity;
    this.#recorder = options.eventRecorder;
    this.#client = options.kube.resource(type).namespace(options.namespace);
  }

  /** The holder identity this lock writes. */
  identity(): string {
    return this.#identity;
  }

  /** `<resource> <namespace>/<name>`, e.g. `leases kube-system/kube-scheduler`. */
  describe(): string {
    return `${this.type.resource} ${this.namespace}/${this.name}`;
  }

  /** Reads the object; `undefined` when it does not exist. Other API errors reject as they are. */
  async get(signal?: AbortSignal): Promise<LockSnapshot | undefined> {
    let object: T;
    try {
      object = await this.#client.get(this.name, { signal });
    } catch (err) {
      if (isNotFound(err)) {
        this.#object = undefined;
        return undefined;
      }
      throw err;
    }
    this.#object = object;
    const { record, raw } = this.decode(object);
    return { record, raw, resourceVersion: object.metadata?.resourceVersion };
  }

  /** Creates the object with `record`; ApiError 409 AlreadyExists when it exists. */
  async create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    const object = this.encode({ metadata: { name: this.name, namespace: this.namespace } } as T, record);
    this.#object = await this.#client.create(object, { signal });
  }

  /** Writes `record` into the object as last seen; ApiError 409 Conflict if it changed since. */
  async update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    const current = this.#object;
    if (current === undefined) {
      throw new Error(`${this.describe()}: update before get or create; read the lock first.`);
    }
    this.#object = await this.#client.update(this.encode(current, record), { signal });
  }

  /**
   * Yields when the object becomes free (holder empty, or deleted), from one watch on the object
   * that resumes from its last resourceVersion when the server ends it and starts afresh after
   * 410 Gone. Reads nothing into the cached object the next update is guarded by.
   */
  async *releases(signal: AbortSignal): AsyncIterable<void> {
    let resourceVersion: string | undefined;
    // undefined: not known yet (a watch without resourceVersion first lists the object as ADDED).
    let holder: string | undefined;
    while (!signal.aborted) {
      const events = this.#client.watch({
        fieldSelector: `metadata.name=${this.name}`,
        ...(resourceVersion ? { resourceVersion } : {}),
        // Like an informer's watch: the server ends it after 5–10 minutes, then we resume.
        timeoutSeconds: 300 + Math.floor(Math.random() * 300),
        signal,
      });
      try {
        for await (const event of events) {
          resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
          if (event.type === 'BOOKMARK') continue;
          let now: string;
          try {
            now = event.type === 'DELETED' ? '' : this.decode(event.object).record.holderIdentity;
          } catch {
            continue; // a corrupt record is the elector's to report, through get()
          }
          if (now === '' && holder !== '') yield;
          holder = now;
        }
      } catch (err) {
        if (!isGone(err)) throw err;
        resourceVersion = undefined;
        holder = undefined;
      }
    }
  }

  /** Records `<identity> <message>` as a Normal `LeaderElection` event on the object. */
  recordEvent(message: string): void {
    if (!this.#recorder) return;
    const meta = this.#object?.metadata ?? { name: this.name, namespace: this.namespace };
    const subject = {
      apiVersion: this.type.group ? `${this.type.group}/${this.type.version}` : this.type.version,
      kind: this.type.kind,
      metadata: meta,
    } as KubeObject;
    try {
      this.#recorder.event(subject, 'Normal', 'LeaderElection', `${this.#identity} ${message}`);
    } catch {
      // An event is a courtesy; a broken recorder must not disturb the election.
    }
  }

  /** Reads the record out of `object` (throw a ConfigError naming the object if it is corrupt). */
  protected abstract decode(object: T): { record: LeaderElectionRecord; raw: string };

  /** Returns a copy of `object` carrying `record`, everything else kept. */
  protected abstract encode(object: T, record: LeaderElectionRecord): T;
}
