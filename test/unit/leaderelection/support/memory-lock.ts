import { ApiError } from '../../../../src/client/index.js';
import type { Clock } from '../../../../src/common/clock.js';
import type {
  LeaderElectionRecord,
  LockSnapshot,
  ResourceLock,
} from '../../../../src/leaderelection/index.js';

/** How the server treats one candidate's requests. */
export type Fault = (
  | { mode: 'ok' }
  /** Never answers (until the request's signal aborts); nothing is applied. */
  | { mode: 'hang' }
  /** Applies a write, then never answers (until the signal aborts): the reply was lost. */
  | { mode: 'land-then-hang' }
  /** Answers every request with this error. */
  | { mode: 'error'; error: unknown }
  /**
   * The request reaches the server only after `delayMs`, whatever the client does meanwhile
   * (a queued request): a write can land after its sender gave up on it.
   */
  | { mode: 'late'; delayMs: number }
) & {
  /** Only these operations are affected (default: all). */
  ops?: ServerOp['op'][];
};

export interface ServerOp {
  identity: string;
  op: 'get' | 'create' | 'update';
  at: number;
}

export function apiError(code: number, reason: string, message = reason): ApiError {
  return new ApiError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
}

/**
 * An in-memory stand-in for the API server holding one lock object, with resourceVersion
 * semantics (409 Conflict on a stale update, 409 AlreadyExists on a second create), per-candidate
 * faults and a log of requests. Time comes from the test's clock.
 */
export class MemoryLockServer {
  record: LeaderElectionRecord | undefined;
  rv = 0;
  readonly ops: ServerOp[] = [];
  readonly faults = new Map<string, Fault>();
  /** Requests currently held open by a hang fault, with their signals. */
  readonly pending = new Set<AbortSignal | undefined>();
  /** Answer latency on the test clock (0 = next microtask). */
  latencyMs = 0;
  /**
   * Serialize `raw` with whole-second times, as the ConfigMap/Endpoints annotation does: two
   * renewals within one second then read back byte-for-byte equal.
   */
  coarseRaw = false;
  /** Latency of one kind of request, overriding `latencyMs`. */
  readonly opLatencyMs: Partial<Record<ServerOp['op'], number>> = {};

  constructor(readonly clock: Clock) {}

  lock(identity: string): MemoryLock {
    return new MemoryLock(this, identity);
  }

  fault(identity: string, fault: Fault): void {
    this.faults.set(identity, fault);
  }

  writes(identity?: string): ServerOp[] {
    return this.ops.filter((o) => o.op !== 'get' && (identity === undefined || o.identity === identity));
  }

  /** Runs one request: logs it, applies the fault, then `apply` (which may throw). */
  async request<T>(
    identity: string,
    op: ServerOp['op'],
    signal: AbortSignal | undefined,
    apply: () => T,
  ): Promise<T> {
    this.ops.push({ identity, op, at: this.clock.now() });
    if (signal?.aborted) throw signal.reason;
    let fault: Fault = this.faults.get(identity) ?? { mode: 'ok' };
    if (fault.ops && !fault.ops.includes(op)) fault = { mode: 'ok' };
    if (fault.mode === 'error') {
      await Promise.resolve();
      throw fault.error;
    }
    if (fault.mode === 'late') {
      return new Promise<T>((resolve, reject) => {
        let answered = false;
        const onAbort = () => {
          answered = true;
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.clock.setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          let result: T;
          try {
            result = apply();
          } catch (err) {
            if (!answered) reject(err);
            return;
          }
          if (!answered) resolve(result);
        }, fault.delayMs);
      });
    }
    if (fault.mode === 'hang' || fault.mode === 'land-then-hang') {
      if (fault.mode === 'land-then-hang') apply();
      this.pending.add(signal);
      return new Promise<T>((_, reject) => {
        signal?.addEventListener(
          'abort',
          () => {
            this.pending.delete(signal);
            reject(signal.reason);
          },
          { once: true },
        );
      });
    }
    const latency = this.opLatencyMs[op] ?? this.latencyMs;
    if (latency > 0) await this.clock.sleep(latency, signal);
    else await Promise.resolve();
    return apply();
  }
}

/** A {@link ResourceLock} on a {@link MemoryLockServer}, guarded by the resourceVersion it last saw. */
export class MemoryLock implements ResourceLock {
  #rv: number | undefined;
  readonly events: string[] = [];

  constructor(
    readonly server: MemoryLockServer,
    readonly id: string,
  ) {}

  identity(): string {
    return this.id;
  }

  describe(): string {
    return `memory/${this.id}`;
  }

  get(signal?: AbortSignal): Promise<LockSnapshot | undefined> {
    return this.server.request(this.id, 'get', signal, () => {
      const s = this.server;
      if (!s.record) {
        this.#rv = undefined;
        return undefined;
      }
      this.#rv = s.rv;
      const shown = s.coarseRaw
        ? {
            ...s.record,
            acquireTime: s.record.acquireTime.slice(0, 19),
            renewTime: s.record.renewTime.slice(0, 19),
          }
        : s.record;
      return { record: { ...shown }, raw: JSON.stringify(shown), resourceVersion: String(s.rv) };
    });
  }

  create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    return this.server.request(this.id, 'create', signal, () => {
      const s = this.server;
      if (s.record) throw apiError(409, 'AlreadyExists', 'already exists');
      s.record = { ...record };
      this.#rv = ++s.rv;
    });
  }

  update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    if (this.#rv === undefined) return Promise.reject(new Error('update before get'));
    const expected = this.#rv;
    return this.server.request(this.id, 'update', signal, () => {
      const s = this.server;
      if (!s.record) throw apiError(404, 'NotFound', 'gone');
      if (s.rv !== expected) throw apiError(409, 'Conflict', 'the object has been modified');
      s.record = { ...record };
      this.#rv = ++s.rv;
    });
  }

  recordEvent(message: string): void {
    this.events.push(message);
  }
}
