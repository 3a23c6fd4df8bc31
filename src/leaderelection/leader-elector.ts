import { isForbidden } from '../client/api-error.js';
import { type Clock, realClock } from '../common/clock.js';
import { ConfigError } from '../common/errors.js';
import { type Logger, silentLogger } from '../common/logger.js';
import { boundedSignal } from './bounded-signal.js';
import {
  DEFAULT_WATCHDOG_TIMEOUT_MS,
  JITTER_FACTOR,
  type LeaderCallbacks,
  type LeaderElectionConfig,
  validateLeaderElectionConfig,
} from './config.js';
import { LeadershipLostError, type LockOperation, permanentLockError } from './errors.js';
import { ElectionMetrics } from './metrics.js';
import { formatMicroTime, type LeaderElectionRecord } from './record.js';
import type { ResourceLock } from './resource-lock.js';

// `writtenAt`: monotonic time just before the successful write was sent, which anchors the deadline.
type Attempt = { ok: true; writtenAt: number } | { ok: false; op?: LockOperation; error?: unknown };

/**
 * Leader election among candidates sharing one {@link ResourceLock}, with client-go's
 * semantics and one guarantee made explicit: a leader stops leading (aborts the signal given to
 * `onStartedLeading`) before any other candidate can acquire the lock.
 *
 * How:
 * - A candidate takes over only after seeing the record unchanged for its lease duration, timed
 *   on this process's monotonic clock from the moment it *observed* the change. Timestamps in the
 *   record are never compared with local time, so wall-clock offsets between machines (or a
 *   step of this one) are harmless.
 * - The leader's deadline is renewDeadline after it *sent* its last successful write (the
 *   acquiring write or a renewal); when it passes, the leading signal aborts at once, whatever
 *   requests are in flight (each is bounded by the renew deadline and by the leading signal).
 *   Others can only see that write after it was sent and then wait leaseDuration, and a takeover
 *   based on an older read fails on its resourceVersion, so leaseDuration > renewDeadline keeps
 *   them out until the leader has given up. (client-go counts the deadline from the start of a
 *   renew round, up to one retryPeriod later, and bounds acquiring requests only by the HTTP
 *   client's timeout; kubekit's bound is the stricter one.)
 * - Every write is guarded by resourceVersion: of simultaneous acquirers exactly one wins.
 *
 * `run` acquires (retrying every retryPeriod × (1 + up to 1.2 jitter)), leads until the renew
 * deadline passes without a renewal or its signal aborts, then calls `onStoppedLeading` and
 * ends; create a new elector (or call `run` again) to stand for election again. Build the lock
 * on a client of its own (`kube.withRateLimit()`): renewals that queue behind other traffic in a
 * shared token bucket miss the deadline under load alone. Errors that
 * retrying cannot fix while acquiring (RBAC denial, missing namespace, corrupt record) end `run`
 * with a ConfigError that says what to fix rather than retrying forever in silence.
 */
export class LeaderElector {
  readonly #lock: ResourceLock;
  readonly #callbacks: LeaderCallbacks;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #metrics: ElectionMetrics;
  readonly #random: () => number;
  readonly #name: string;
  readonly #identity: string;
  readonly #leaseMs: number;
  readonly #renewMs: number;
  readonly #retryMs: number;
  readonly #watchdogMs: number;
  readonly #releaseOnCancel: boolean;

  // What this process last saw in the lock, and when (monotonic) it last saw it change.
  #observed: LeaderElectionRecord | undefined;
  #observedKey: string | undefined;
  #observedAt = Number.NEGATIVE_INFINITY;
  #reportedLeader = '';

  #running = false;
  #leading = false;
  // Set while acquiring: cuts the retry sleep short when the lock is seen released.
  #wake: (() => void) | undefined;
  // Monotonic start of the last successful acquire or renew attempt.
  #renewedAt = Number.NEGATIVE_INFINITY;

  /** Validates the configuration; throws ConfigError naming what is wrong. */
  constructor(config: LeaderElectionConfig) {
    if (!config || typeof config !== 'object') throw new ConfigError('LeaderElector needs a configuration.');
    const timings = validateLeaderElectionConfig(config);
    const lock = config.lock;
    if (!lock) throw new ConfigError('LeaderElector needs a lock (e.g. newResourceLock("leases", …)).');
    const identity = lock.identity();
    if (typeof identity !== 'string' || identity.trim() === '') {
      throw new ConfigError(
        "The lock's identity is empty; give each candidate a unique identity (e.g. pod name plus a random suffix).",
      );
    }
    const callbacks = config.callbacks;
    if (typeof callbacks?.onStartedLeading !== 'function') {
      throw new ConfigError('LeaderElector needs callbacks.onStartedLeading.');
    }
    if (typeof callbacks.onStoppedLeading !== 'function') {
      throw new ConfigError('LeaderElector needs callbacks.onStoppedLeading.');
    }
    const watchdog = config.watchdogTimeoutMs ?? DEFAULT_WATCHDOG_TIMEOUT_MS;
    if (!(watchdog >= 0) || !Number.isFinite(watchdog)) {
      throw new ConfigError(`watchdogTimeoutMs must be a finite number ≥ 0, got ${watchdog}.`);
    }
    this.#lock = lock;
    this.#callbacks = callbacks;
    this.#identity = identity;
    this.#leaseMs = timings.leaseDurationMs;
    this.#renewMs = timings.renewDeadlineMs;
    this.#retryMs = timings.retryPeriodMs;
    this.#watchdogMs = watchdog;
    this.#releaseOnCancel = config.releaseOnCancel ?? false;
    this.#clock = config.clock ?? realClock;
    this.#logger = config.logger ?? silentLogger;
    this.#random = config.random ?? Math.random;
    this.#name = config.name ?? lock.describe();
    this.#metrics = ElectionMetrics.create(config.name ? config.metrics : undefined, this.#name);
    this.#metrics.leading(false);
  }

  /** True from just before `onStartedLeading` is called until its signal aborts. */
  isLeader(): boolean {
    return this.#leading;
  }

  /** The holder identity last observed in the lock (`''` before the first read or after a release). */
  getLeader(): string {
    return this.#observed?.holderIdentity ?? '';
  }

  /**
   * Health check (client-go's healthz adaptor): an Error when this process believes it leads but
   * has not renewed for longer than leaseDuration + watchdogTimeoutMs, which means its renew loop
   * is stuck and others may already lead; undefined otherwise (also when not leading).
   */
  check(): Error | undefined {
    if (!this.#leading) return undefined;
    const since = this.#clock.now() - this.#renewedAt;
    if (since <= this.#leaseMs + this.#watchdogMs) return undefined;
    return new Error(
      `leader election ${this.#name}: leading, but the lock was last renewed ${Math.round(since)} ms ago, ` +
        `longer than the lease duration plus the watchdog timeout (${this.#leaseMs + this.#watchdogMs} ms)`,
    );
  }

  /**
   * Stands for election until `signal` aborts or leadership is lost, then calls
   * `onStoppedLeading` (exactly once, also when this candidate never led) and resolves. Rejects
   * with a ConfigError, after `onStoppedLeading`, when the lock cannot be used at all (see the
   * class). Rejects at once if this elector is already running.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new ConfigError('This LeaderElector is already running; run it once at a time.');
    this.#running = true;
    try {
      const acquiredAt = await this.#acquire(signal);
      if (acquiredAt !== undefined) await this.#lead(signal, acquiredAt);
    } finally {
      this.#running = false;
      try {
        this.#callbacks.onStoppedLeading();
      } catch (err) {
        this.#logger.error('leader election: onStoppedLeading threw', { election: this.#name, error: err });
      }
    }
  }

  // Tries until the lock is ours (resolves with the attempt's start time) or `signal` aborts.
  async #acquire(signal: AbortSignal): Promise<number | undefined> {
    this.#logger.info('leader election: trying to acquire the lock', {
      election: this.#name,
      lock: this.#lock.describe(),
      identity: this.#identity,
    });
    const following = new AbortController();
    const stopFollowing = () => following.abort();
    signal.addEventListener('abort', stopFollowing, { once: true });
    let released = false;
    let interrupt: (() => void) | undefined;
    this.#wake = () => {
      released = true;
      interrupt?.();
    };
    const follower = this.#followReleases(following.signal);
    try {
      return await this.#acquireLoop(signal, () => {
        // A release seen during the last attempt counts too: try again at once.
        if (released) {
          released = false;
          return Promise.resolve();
        }
        const woken = new AbortController();
        interrupt = () => woken.abort();
        return this.#clock
          .sleep(this.#acquireDelay(), AbortSignal.any([signal, woken.signal]))
          .catch(() => {
            if (signal.aborted) throw signal.reason;
            released = false;
          })
          .finally(() => {
            interrupt = undefined;
          });
      });
    } finally {
      this.#wake = undefined;
      signal.removeEventListener('abort', stopFollowing);
      following.abort();
      // Not awaited: leading must not wait for a watch to wind down (the follower never throws).
      void follower;
    }
  }

  // The acquire retry loop; `pause` waits before the next attempt (rejects when cancelled).
  async #acquireLoop(signal: AbortSignal, pause: () => Promise<void>): Promise<number | undefined> {
    while (!signal.aborted) {
      const attempt = await this.#tryAcquireOrRenew(signal);
      this.#reportTransition();
      if (attempt.ok) {
        if (signal.aborted) {
          // Acquired at the very moment of cancellation: never lead, but let a successor in.
          if (this.#releaseOnCancel) await this.#release();
          return undefined;
        }
        // A grant answered so late that its deadline has passed cannot be used; renew at once.
        if (this.#clock.now() < attempt.writtenAt + this.#renewMs) return attempt.writtenAt;
        continue;
      }
      if (signal.aborted) return undefined;
      if (attempt.error !== undefined) {
        const fatal = permanentLockError(
          attempt.error,
          attempt.op ?? 'get',
          this.#name,
          this.#lock.describe(),
        );
        if (fatal) {
          this.#logger.error('leader election: cannot use the lock', {
            election: this.#name,
            error: fatal.message,
          });
          throw fatal;
        }
        this.#logger.error('leader election: failed to acquire the lock; retrying', {
          election: this.#name,
          lock: this.#lock.describe(),
          op: attempt.op,
          error: describeError(attempt.error),
        });
      }
      try {
        await pause();
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  // While acquiring, watches the lock (when it can) and wakes the acquire loop on a release, so a
  // graceful handover takes one round trip instead of up to 2.2 retry periods. Costs one watch
  // request per 5–10 minutes, no polling. Never throws: errors back off up to 30 s; 403 (no
  // `watch` permission on the lock) or a lock that cannot watch leaves plain polling.
  async #followReleases(signal: AbortSignal): Promise<void> {
    const releases = this.#lock.releases;
    if (!releases) return;
    let backoffMs = this.#retryMs;
    while (!signal.aborted) {
      try {
        for await (const _ of releases.call(this.#lock, signal)) {
          backoffMs = this.#retryMs;
          this.#wake?.();
        }
        return; // the lock has nothing (more) to watch
      } catch (err) {
        if (signal.aborted) return;
        if (isForbidden(err)) {
          this.#logger.info('leader election: cannot watch the lock (no watch permission); polling only', {
            election: this.#name,
            lock: this.#lock.describe(),
          });
          return;
        }
        this.#logger.debug('leader election: watching the lock failed; retrying', {
          election: this.#name,
          error: describeError(err),
        });
      }
      try {
        await this.#clock.sleep(backoffMs * (1 + this.#random() * JITTER_FACTOR), signal);
      } catch {
        return;
      }
      backoffMs = Math.min(backoffMs * 2, 30_000);
    }
  }

  // retryPeriod × (1 + jitter), but no later than the moment the observed lease runs out, so a
  // successor does not idle up to 2.2 retry periods after expiry. Costs no extra requests while
  // the leader is renewing: expiry is then always further away than the jittered retry.
  #acquireDelay(): number {
    const jittered = this.#retryMs * (1 + this.#random() * JITTER_FACTOR);
    const holder = this.#observed?.holderIdentity ?? '';
    if (holder === '' || holder === this.#identity) return jittered;
    const untilExpiry = this.#observedAt + this.#observed!.leaseDurationSeconds * 1000 - this.#clock.now();
    // +1 ms: timers may fire a little early by the monotonic clock; one look after expiry is enough.
    return untilExpiry > 0 ? Math.min(jittered, untilExpiry + 1) : jittered;
  }

  // Leads from `acquiredAt` until the deadline passes without a renewal or `signal` aborts.
  async #lead(signal: AbortSignal, acquiredAt: number): Promise<void> {
    if (signal.aborted) {
      // Cancelled between the grant and now: never start leading, but let a successor in.
      if (this.#releaseOnCancel) await this.#release();
      return;
    }
    const leader = new AbortController();
    let cancelled = false;
    const stop = (reason: unknown) => {
      if (leader.signal.aborted) return;
      // Order matters: the work's signal aborts first, synchronously, at the deadline itself.
      this.#leading = false;
      leader.abort(reason);
      this.#metrics.leading(false);
    };
    let deadline = acquiredAt + this.#renewMs;
    const armDeadline = () =>
      this.#clock.setTimeout(
        () =>
          stop(
            new LeadershipLostError(
              `leader election ${this.#name}: no renewal of ${this.#lock.describe()} succeeded within ` +
                `the renew deadline (${this.#renewMs} ms)`,
            ),
          ),
        deadline - this.#clock.now(),
      );
    let timer = armDeadline();
    const onCancel = () => {
      cancelled = true;
      stop(signal.reason);
    };
    signal.addEventListener('abort', onCancel, { once: true });

    this.#leading = true;
    this.#renewedAt = acquiredAt;
    this.#metrics.leading(true);
    this.#lock.recordEvent?.('became leader');
    this.#logger.info('leader election: acquired the lock; leading', {
      election: this.#name,
      lock: this.#lock.describe(),
      identity: this.#identity,
    });
    const work = this.#startWork(leader.signal);

    try {
      while (!leader.signal.aborted) {
        try {
          await this.#clock.sleep(this.#retryMs, leader.signal);
        } catch {
          break;
        }
        // Every request is bounded by the deadline: a hung renewal cannot outlive our lease.
        const attempt = await this.#tryAcquireOrRenew(leader.signal);
        this.#reportTransition();
        if (leader.signal.aborted) break;
        if (!attempt.ok && attempt.error === undefined) {
          // Someone else holds a live lease: they believe they lead, so stop now rather than at
          // the deadline (client-go keeps trying until the deadline). Only a protocol breach
          // (manual edit, a candidate with a shorter lease, a paused process) gets here.
          stop(
            new LeadershipLostError(
              `leader election ${this.#name}: ${this.#lock.describe()} is now held by ${this.getLeader()}`,
            ),
          );
          break;
        }
        if (!attempt.ok) {
          this.#logger.warn('leader election: failed to renew the lock; retrying until the renew deadline', {
            election: this.#name,
            lock: this.#lock.describe(),
            op: attempt.op,
            error: describeError(attempt.error),
            msLeft: Math.round(deadline - this.#clock.now()),
          });
          continue;
        }
        // The deadline timer may be due but not yet run when this continuation runs first.
        if (this.#clock.now() >= deadline) break;
        deadline = attempt.writtenAt + this.#renewMs;
        this.#renewedAt = attempt.writtenAt;
        timer.cancel();
        timer = armDeadline();
      }
    } finally {
      timer.cancel();
      signal.removeEventListener('abort', onCancel);
      stop(
        cancelled
          ? signal.reason
          : new LeadershipLostError(
              `leader election ${this.#name}: the renew deadline (${this.#renewMs} ms) passed without a renewal`,
            ),
      );
    }
    this.#lock.recordEvent?.('stopped leading');
    this.#logger.info(
      cancelled ? 'leader election: stopped leading (cancelled)' : 'leader election: lost the lock',
      {
        election: this.#name,
        lock: this.#lock.describe(),
        identity: this.#identity,
      },
    );
    if (cancelled && this.#releaseOnCancel) {
      if (await this.#settledBefore(work, deadline)) await this.#release();
      else {
        this.#logger.warn(
          'leader election: the work started by onStartedLeading did not stop while the lock was still ours; ' +
            'not releasing it, successors will wait for it to expire',
          { election: this.#name },
        );
      }
    }
  }

  // Calls onStartedLeading without waiting for it; returns its promise (errors contained).
  #startWork(signal: AbortSignal): Promise<unknown> | undefined {
    try {
      const result = this.#callbacks.onStartedLeading(signal);
      if (result && typeof (result as Promise<void>).then === 'function') {
        return Promise.resolve(result).catch((err) => {
          this.#logger.error('leader election: onStartedLeading failed', {
            election: this.#name,
            error: err,
          });
        });
      }
    } catch (err) {
      this.#logger.error('leader election: onStartedLeading threw', { election: this.#name, error: err });
    }
    return undefined;
  }

  // True when `work` (if any) settles before `deadline` (monotonic).
  async #settledBefore(work: Promise<unknown> | undefined, deadline: number): Promise<boolean> {
    if (work === undefined) return true;
    const left = deadline - this.#clock.now();
    if (left <= 0) return false;
    let timer: { cancel(): void } | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = this.#clock.setTimeout(() => resolve(false), left);
    });
    const settled = await Promise.race([work.then(() => true as const), timedOut]);
    timer?.cancel();
    return settled;
  }

  // Writes an empty holder with a 1 s lease (as client-go) so a successor may acquire at once.
  async #release(): Promise<void> {
    const bounded = boundedSignal(this.#clock, new AbortController().signal, this.#renewMs);
    try {
      for (let tries = 0; tries < 2; tries++) {
        if (tries > 0) {
          // Our cached object is stale (an aborted write may have landed): re-read, and release
          // only if the lock is still ours.
          const snap = await this.#lock.get(bounded.signal);
          if (!snap || snap.record.holderIdentity !== this.#identity) return;
          this.#observe(snap.record, `${snap.resourceVersion ?? ''}\n${snap.raw}`);
        }
        if (this.#observed?.holderIdentity !== this.#identity) return;
        const stamp = formatMicroTime(this.#clock.wallNow());
        const record: LeaderElectionRecord = {
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: stamp,
          renewTime: stamp,
          leaderTransitions: this.#observed.leaderTransitions,
        };
        try {
          await this.#lock.update(record, bounded.signal);
          this.#observeOwn(record);
          this.#logger.info('leader election: released the lock', { election: this.#name });
          return;
        } catch (err) {
          if (tries > 0) throw err;
        }
      }
    } catch (err) {
      this.#logger.warn(
        'leader election: could not release the lock; successors will wait for it to expire',
        {
          election: this.#name,
          error: describeError(err),
        },
      );
    } finally {
      bounded.dispose();
    }
  }

  // One round of client-go's tryAcquireOrRenew. Never throws. Each request is bounded by the
  // renew deadline (and by `signal`): an answer later than that could not be used anyway.
  async #tryAcquireOrRenew(signal: AbortSignal): Promise<Attempt> {
    const stamp = formatMicroTime(this.#clock.wallNow());
    const fresh: LeaderElectionRecord = {
      holderIdentity: this.#identity,
      leaseDurationSeconds: Math.ceil(this.#leaseMs / 1000),
      acquireTime: stamp,
      renewTime: stamp,
      leaderTransitions: 0,
    };

    // Fast path: the holder updates its cached object without reading first (one request per
    // renewal). A stale cache fails with 409 and falls through to the read.
    const mine = this.#observed;
    if (mine?.holderIdentity === this.#identity && this.#leaseValid()) {
      const record = {
        ...fresh,
        acquireTime: mine.acquireTime || stamp,
        leaderTransitions: mine.leaderTransitions,
      };
      const writtenAt = this.#clock.now();
      try {
        await this.#bounded(signal, (s) => this.#lock.update(record, s));
        this.#observeOwn(record);
        return { ok: true, writtenAt };
      } catch (err) {
        if (signal.aborted) return { ok: false, op: 'update', error: err };
        this.#metrics.slowpathTaken();
        this.#logger.debug('leader election: optimistic renewal failed; reading the lock', {
          election: this.#name,
          error: describeError(err),
        });
      }
    }

    let snap: Awaited<ReturnType<ResourceLock['get']>>;
    try {
      snap = await this.#bounded(signal, (s) => this.#lock.get(s));
    } catch (err) {
      return { ok: false, op: 'get', error: err };
    }
    if (snap === undefined) {
      const writtenAt = this.#clock.now();
      try {
        await this.#bounded(signal, (s) => this.#lock.create(fresh, s));
      } catch (err) {
        return { ok: false, op: 'create', error: err };
      }
      this.#observeOwn(fresh);
      return { ok: true, writtenAt };
    }

    this.#observe(snap.record, `${snap.resourceVersion ?? ''}\n${snap.raw}`);
    const holder = snap.record.holderIdentity;
    if (holder !== '' && holder !== this.#identity && this.#leaseValid()) return { ok: false };

    const record =
      holder === this.#identity
        ? {
            ...fresh,
            acquireTime: snap.record.acquireTime || stamp,
            leaderTransitions: snap.record.leaderTransitions,
          }
        : { ...fresh, leaderTransitions: snap.record.leaderTransitions + 1 };
    // The deadline counts from here, not from the read: others can only see this write after it
    // was sent, and a write based on an older read than theirs fails with a conflict.
    const writtenAt = this.#clock.now();
    try {
      await this.#bounded(signal, (s) => this.#lock.update(record, s));
    } catch (err) {
      return { ok: false, op: 'update', error: err };
    }
    this.#observeOwn(record);
    return { ok: true, writtenAt };
  }

  // Runs one lock call with a signal that also fires after the renew deadline.
  async #bounded<T>(signal: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const bounded = boundedSignal(this.#clock, signal, this.#renewMs);
    try {
      return await call(bounded.signal);
    } finally {
      bounded.dispose();
    }
  }

  // Records what was read; the clock restarts only when the record (or its version) changed.
  #observe(record: LeaderElectionRecord, key: string): void {
    if (key === this.#observedKey) return;
    this.#observed = record;
    this.#observedKey = key;
    this.#observedAt = this.#clock.now();
  }

  // Records what this process itself just wrote (its version is unknown until the next read).
  #observeOwn(record: LeaderElectionRecord): void {
    this.#observed = record;
    this.#observedKey = undefined;
    this.#observedAt = this.#clock.now();
  }

  #leaseValid(): boolean {
    const observed = this.#observed;
    if (!observed) return false;
    return this.#observedAt + observed.leaseDurationSeconds * 1000 > this.#clock.now();
  }

  #reportTransition(): void {
    const holder = this.#observed?.holderIdentity ?? '';
    if (holder === this.#reportedLeader) return;
    this.#reportedLeader = holder;
    if (holder === '') return;
    this.#metrics.transition();
    const onNewLeader = this.#callbacks.onNewLeader;
    if (!onNewLeader) return;
    // Asynchronous, as client-go's goroutine: a slow or throwing handler cannot stall the loop.
    void Promise.resolve()
      .then(() => onNewLeader(holder))
      .catch((err) => {
        this.#logger.error('leader election: onNewLeader threw', { election: this.#name, error: err });
      });
  }
}

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
