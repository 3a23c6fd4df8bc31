import type { Clock } from '../common/clock.js';
import { ConfigError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { LeaderElectionMetricsProvider } from './metrics.js';
import type { ResourceLock } from './resource-lock.js';

/** client-go's factor: acquire retries wait retryPeriod × (1 + random × 1.2). */
export const JITTER_FACTOR = 1.2;

/** Defaults of Kubernetes components (kube-scheduler, kube-controller-manager). */
export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;
/** Default slack of the healthz watchdog past the lease duration (kube-controller-manager's 20 s). */
export const DEFAULT_WATCHDOG_TIMEOUT_MS = 20_000;

/** What the elector calls as leadership comes and goes. Handlers that throw are logged and contained. */
export interface LeaderCallbacks {
  /**
   * Called once this candidate leads. Do the guarded work here and stop it when `signal`
   * aborts: it aborts the moment leadership is lost (renew deadline passed) or `run`'s signal
   * aborts, always before any other candidate can have acquired the lock. A returned promise is
   * awaited only by `releaseOnCancel` (see there).
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called exactly once when `run` ends, after the leading signal aborted; also if this candidate never led. */
  onStoppedLeading(): void;
  /** Called when a different holder is observed (including this candidate), never for an empty holder. */
  onNewLeader?(identity: string): void;
}

/** The three durations of an election, in milliseconds. */
export interface LeaderElectionTimings {
  /**
   * How long others wait, from the moment they last saw the record change, before taking over
   * (default 15 000). Written into the record rounded up to whole seconds.
   */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying a renewal before it gives up leading (default 10 000). */
  renewDeadlineMs?: number;
  /** Pause between attempts (default 2 000); acquire attempts add up to 120 % jitter. */
  retryPeriodMs?: number;
}

/** Options of a {@link LeaderElector}. */
export interface LeaderElectionConfig extends LeaderElectionTimings {
  lock: ResourceLock;
  callbacks: LeaderCallbacks;
  /**
   * When `run`'s signal aborts while leading, write an empty holder (lease duration 1 s) so a
   * successor can take over at once instead of after the lease duration. Written only after the
   * promise `onStartedLeading` returned has settled (the guarded work has stopped) and only while
   * the lock is still certainly ours; otherwise successors wait for expiry as usual.
   */
  releaseOnCancel?: boolean;
  /** Name of the election for logs and metrics (default: the lock's description). */
  name?: string;
  clock?: Clock;
  logger?: Logger;
  /**
   * Leader status, transitions and slow-path metrics, labelled with `name`; created once, at
   * construction, and only when `name` is set (as the workqueue does).
   */
  metrics?: LeaderElectionMetricsProvider;
  /** {@link LeaderElector.check} fails once a leader has not renewed for leaseDuration + this (default 20 000). */
  watchdogTimeoutMs?: number;
  /** Random source for the jitter, in [0, 1) (default Math.random); for tests. */
  random?: () => number;
}

/** Names used in messages, so flag parsing can name its flags instead of the config fields. */
export interface TimingNames {
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
  format(ms: number): string;
}

const CONFIG_NAMES: TimingNames = {
  leaseDuration: 'leaseDurationMs',
  renewDeadline: 'renewDeadlineMs',
  retryPeriod: 'retryPeriodMs',
  format: (ms) => `${ms} ms`,
};

/**
 * Applies the defaults and checks leaseDuration > renewDeadline > 1.2 × retryPeriod > 0.
 * Returns the resolved durations; throws ConfigError naming the rule that failed and why it
 * matters. The ordering is what makes leader election safe: a leader gives up after
 * renewDeadline, strictly before others may take over after leaseDuration.
 */
export function validateLeaderElectionConfig(config: LeaderElectionTimings): Required<LeaderElectionTimings> {
  return validateTimings(config, CONFIG_NAMES);
}

/** {@link validateLeaderElectionConfig} with the names to use in messages. */
export function validateTimings(
  config: LeaderElectionTimings,
  names: TimingNames,
): Required<LeaderElectionTimings> {
  const lease = config.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
  const renew = config.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
  const retry = config.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
  const f = names.format;
  for (const [name, value] of [
    [names.leaseDuration, lease],
    [names.renewDeadline, renew],
    [names.retryPeriod, retry],
  ] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ConfigError(`${name} must be a finite number of milliseconds, got ${String(value)}.`);
    }
    if (value <= 0) throw new ConfigError(`${name} must be greater than zero, got ${f(value)}.`);
  }
  if (!(lease > renew)) {
    throw new ConfigError(
      `${names.leaseDuration} (${f(lease)}) must be greater than ${names.renewDeadline} (${f(renew)}): ` +
        'a leader gives up after the renew deadline, and it must do so before other candidates may ' +
        'take over at the end of the lease duration.',
    );
  }
  if (!(renew > JITTER_FACTOR * retry)) {
    throw new ConfigError(
      `${names.renewDeadline} (${f(renew)}) must be greater than ${JITTER_FACTOR} × ${names.retryPeriod} ` +
        `(${f(JITTER_FACTOR * retry)}): the leader needs room for more than one renewal attempt before ` +
        'its deadline.',
    );
  }
  return { leaseDurationMs: lease, renewDeadlineMs: renew, retryPeriodMs: retry };
}
