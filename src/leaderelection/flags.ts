import { ConfigError } from '../common/errors.js';
import {
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
  validateTimings,
} from './config.js';
import { formatGoDuration, parseGoDuration } from './go-duration.js';
import { RESOURCE_LOCK_TYPES, type ResourceLockType } from './new-resource-lock.js';

/** The leader election options Kubernetes components take on their command line. */
export interface LeaderElectionFlags {
  /** `--leader-elect`: stand for election before working (default true). */
  leaderElect: boolean;
  /** `--leader-elect-lease-duration` (default 15s). */
  leaseDurationMs: number;
  /** `--leader-elect-renew-deadline` (default 10s). */
  renewDeadlineMs: number;
  /** `--leader-elect-retry-period` (default 2s). */
  retryPeriodMs: number;
  /** `--leader-elect-resource-lock` (default `leases`). */
  resourceLock: ResourceLockType;
  /** `--leader-elect-resource-name` (kube-scheduler's default: `kube-scheduler`). */
  resourceName: string;
  /** `--leader-elect-resource-namespace` (default `kube-system`). */
  resourceNamespace: string;
}

/** kube-scheduler's defaults; pass your own `resourceName` (and often namespace) to {@link parseLeaderElectionFlags}. */
export const DEFAULT_LEADER_ELECTION_FLAGS: Readonly<LeaderElectionFlags> = Object.freeze({
  leaderElect: true,
  leaseDurationMs: DEFAULT_LEASE_DURATION_MS,
  renewDeadlineMs: DEFAULT_RENEW_DEADLINE_MS,
  retryPeriodMs: DEFAULT_RETRY_PERIOD_MS,
  resourceLock: 'leases',
  resourceName: 'kube-scheduler',
  resourceNamespace: 'kube-system',
});

type FlagName =
  | 'leader-elect'
  | 'leader-elect-lease-duration'
  | 'leader-elect-renew-deadline'
  | 'leader-elect-retry-period'
  | 'leader-elect-resource-lock'
  | 'leader-elect-resource-name'
  | 'leader-elect-resource-namespace';

const FLAGS: readonly FlagName[] = [
  'leader-elect',
  'leader-elect-lease-duration',
  'leader-elect-renew-deadline',
  'leader-elect-retry-period',
  'leader-elect-resource-lock',
  'leader-elect-resource-name',
  'leader-elect-resource-namespace',
];

/**
 * Parses and validates the `--leader-elect*` flags exactly as kube-scheduler and
 * kube-controller-manager accept them, so programs built on kubekit take the same command line.
 *
 * `args` is an argv array (`process.argv.slice(2)`: `--flag=value`, `--flag value`, and for the
 * boolean `--leader-elect` alone or `--leader-elect=false`; arguments that are not
 * `--leader-elect*` flags are ignored, so a program can parse its own flags too; the last
 * occurrence wins) or an object keyed by flag name with or without `--` (values are strings,
 * or booleans for `leader-elect`). Durations are Go durations (`15s`, `1m30s`).
 *
 * Throws ConfigError naming the flag and what is wrong: an unknown `--leader-elect-…` flag, a
 * missing value, a malformed duration or boolean, an unknown lock type, an empty name or
 * namespace, and — when `--leader-elect` is on — durations that break
 * lease-duration > renew-deadline > 1.2 × retry-period > 0.
 */
export function parseLeaderElectionFlags(
  args: readonly string[] | Readonly<Record<string, string | boolean>>,
  defaults: Partial<LeaderElectionFlags> = {},
): LeaderElectionFlags {
  const values = Array.isArray(args)
    ? fromArgv(args as readonly string[])
    : fromRecord(args as Record<string, string | boolean>);
  const result: LeaderElectionFlags = { ...DEFAULT_LEADER_ELECTION_FLAGS, ...defaults };
  for (const [flag, value] of values) {
    switch (flag) {
      case 'leader-elect':
        result.leaderElect = parseBool(flag, value);
        break;
      case 'leader-elect-lease-duration':
        result.leaseDurationMs = duration(flag, value);
        break;
      case 'leader-elect-renew-deadline':
        result.renewDeadlineMs = duration(flag, value);
        break;
      case 'leader-elect-retry-period':
        result.retryPeriodMs = duration(flag, value);
        break;
      case 'leader-elect-resource-lock': {
        const lock = text(flag, value);
        if (!(RESOURCE_LOCK_TYPES as readonly string[]).includes(lock)) {
          throw new ConfigError(
            `--${flag} must be one of ${RESOURCE_LOCK_TYPES.join(', ')}; got ${JSON.stringify(lock)}.`,
          );
        }
        result.resourceLock = lock as ResourceLockType;
        break;
      }
      case 'leader-elect-resource-name':
        result.resourceName = text(flag, value);
        break;
      case 'leader-elect-resource-namespace':
        result.resourceNamespace = text(flag, value);
        break;
    }
  }
  if (result.resourceName.trim() === '') {
    throw new ConfigError('--leader-elect-resource-name must not be empty: it names the lock object.');
  }
  if (result.resourceNamespace.trim() === '') {
    throw new ConfigError(
      '--leader-elect-resource-namespace must not be empty: it is where the lock object lives.',
    );
  }
  if (result.leaderElect) {
    validateTimings(result, {
      leaseDuration: '--leader-elect-lease-duration',
      renewDeadline: '--leader-elect-renew-deadline',
      retryPeriod: '--leader-elect-retry-period',
      format: formatGoDuration,
    });
  }
  return result;
}

function fromArgv(args: readonly string[]): Array<[FlagName, string | boolean]> {
  const out: Array<[FlagName, string | boolean]> = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break; // pflag: everything after is positional
    if (!arg.startsWith('--leader-elect')) continue;
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!name.startsWith('leader-elect') || (name !== 'leader-elect' && !name.startsWith('leader-elect-')))
      continue;
    const flag = known(name);
    if (eq >= 0) out.push([flag, arg.slice(eq + 1)]);
    else if (flag === 'leader-elect') out.push([flag, true]);
    else {
      const next = args[i + 1];
      if (next === undefined)
        throw new ConfigError(`--${flag} needs a value, e.g. --${flag}=${example(flag)}.`);
      out.push([flag, next]);
      i++;
    }
  }
  return out;
}

function fromRecord(args: Readonly<Record<string, string | boolean>>): Array<[FlagName, string | boolean]> {
  if (args === null || typeof args !== 'object')
    throw new ConfigError('Leader election flags must be an argv array or an object.');
  return Object.entries(args).map(([key, value]) => [known(key.replace(/^--/, '')), value]);
}

function known(name: string): FlagName {
  if ((FLAGS as readonly string[]).includes(name)) return name as FlagName;
  throw new ConfigError(
    `Unknown flag --${name}; leader election flags are ${FLAGS.map((f) => `--${f}`).join(', ')}.`,
  );
}

function example(flag: FlagName): string {
  if (flag === 'leader-elect-resource-lock') return 'leases';
  if (flag === 'leader-elect-resource-name') return 'my-controller';
  if (flag === 'leader-elect-resource-namespace') return 'kube-system';
  return '15s';
}

function text(flag: FlagName, value: string | boolean): string {
  if (typeof value !== 'string')
    throw new ConfigError(`--${flag} needs a value, e.g. --${flag}=${example(flag)}.`);
  return value;
}

// Go's strconv.ParseBool, which pflag uses.
function parseBool(flag: FlagName, value: string | boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new ConfigError(`--${flag} must be true or false; got ${JSON.stringify(value)}.`);
}

function duration(flag: FlagName, value: string | boolean): number {
  const s = text(flag, value);
  try {
    return parseGoDuration(s);
  } catch (err) {
    throw new ConfigError(`--${flag}: ${(err as Error).message}`, { cause: err });
  }
}
