import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/common/errors.js';
import {
  formatGoDuration,
  LeaderElector,
  parseGoDuration,
  parseLeaderElectionFlags,
  validateLeaderElectionConfig,
} from '../../../src/leaderelection/index.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { MemoryLockServer } from './support/memory-lock.js';

describe('validateLeaderElectionConfig', () => {
  it('applies the defaults of Kubernetes components', () => {
    expect(validateLeaderElectionConfig({})).toEqual({
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
  });

  it.each([
    [
      { leaseDurationMs: 10_000, renewDeadlineMs: 10_000 },
      /leaseDurationMs \(10000 ms\) must be greater than renewDeadlineMs \(10000 ms\)/,
    ],
    [{ leaseDurationMs: 5_000 }, /leaseDurationMs \(5000 ms\) must be greater than renewDeadlineMs/],
    [
      { retryPeriodMs: 9_000 },
      /renewDeadlineMs \(10000 ms\) must be greater than 1\.2 × retryPeriodMs \(10800 ms\)/,
    ],
    [{ renewDeadlineMs: 2_400, retryPeriodMs: 2_000 }, /1\.2 × retryPeriodMs/],
    [{ retryPeriodMs: 0 }, /retryPeriodMs must be greater than zero/],
    [{ leaseDurationMs: -1 }, /leaseDurationMs must be greater than zero/],
    [{ renewDeadlineMs: Number.NaN }, /renewDeadlineMs must be a finite number/],
    [{ leaseDurationMs: '15s' as unknown as number }, /leaseDurationMs must be a finite number/],
  ])('names the rule that failed: %o', (config, message) => {
    expect(() => validateLeaderElectionConfig(config)).toThrow(ConfigError);
    expect(() => validateLeaderElectionConfig(config)).toThrow(message);
  });

  it('explains why the order matters', () => {
    expect(() => validateLeaderElectionConfig({ leaseDurationMs: 1000, renewDeadlineMs: 2000 })).toThrow(
      /must do so before other candidates may take over/,
    );
  });

  it('LeaderElector validates its configuration, lock identity and callbacks', () => {
    const server = new MemoryLockServer(new FakeClock());
    const callbacks = { onStartedLeading: () => {}, onStoppedLeading: () => {} };
    expect(() => new LeaderElector({ lock: server.lock('a'), callbacks, retryPeriodMs: 9000 })).toThrow(
      /1\.2 ×/,
    );
    expect(() => new LeaderElector({ lock: server.lock(''), callbacks })).toThrow(/identity is empty/);
    expect(() => new LeaderElector({ lock: undefined as never, callbacks })).toThrow(/needs a lock/);
    expect(
      () => new LeaderElector({ lock: server.lock('a'), callbacks: { onStoppedLeading: () => {} } as never }),
    ).toThrow(/onStartedLeading/);
    expect(
      () => new LeaderElector({ lock: server.lock('a'), callbacks: { onStartedLeading: () => {} } as never }),
    ).toThrow(/onStoppedLeading/);
    expect(() => new LeaderElector({ lock: server.lock('a'), callbacks, watchdogTimeoutMs: -1 })).toThrow(
      /watchdogTimeoutMs/,
    );
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['15s', 15_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['300ms', 300],
    ['2h45m', 9_900_000],
    ['0', 0],
    ['-0', 0],
    ['+5s', 5000],
    ['-1.5m', -90_000],
    ['.5s', 500],
    ['1.s', 1000],
    ['1us', 0.001],
    ['1µs', 0.001],
    ['1μs', 0.001],
    ['1500000ns', 1.5],
    ['1h1m1s1ms', 3_661_001],
  ])('%s → %f ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each([
    ['', /empty/],
    ['15', /needs a unit/],
    ['1.5', /needs a unit/],
    ['s', /number before it/],
    ['.s', /number before it/],
    ['1x', /unknown unit "x"/],
    ['1 s', /unknown unit " s"/],
    ['1.2.3s', /cannot read/],
    ['1S', /unknown unit "S"/],
    ['-', /empty/],
    ['3000000h', /overflows/],
  ])('rejects %j', (text, message) => {
    expect(() => parseGoDuration(text)).toThrow(ConfigError);
    expect(() => parseGoDuration(text)).toThrow(message);
  });

  it('formats durations for messages', () => {
    expect(formatGoDuration(15_000)).toBe('15s');
    expect(formatGoDuration(90_000)).toBe('1m30s');
    expect(formatGoDuration(3_600_000)).toBe('1h0m0s');
    expect(formatGoDuration(500)).toBe('500ms');
    expect(formatGoDuration(0)).toBe('0s');
  });
});

describe('parseLeaderElectionFlags', () => {
  it("defaults to kube-scheduler's values", () => {
    expect(parseLeaderElectionFlags([])).toEqual({
      leaderElect: true,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      resourceLock: 'leases',
      resourceName: 'kube-scheduler',
      resourceNamespace: 'kube-system',
    });
  });

  it('parses argv like pflag, ignoring flags that are not its own', () => {
    expect(
      parseLeaderElectionFlags([
        '--v=2',
        '--leader-elect',
        '--leader-elect-lease-duration=1m',
        '--leader-elect-renew-deadline',
        '40s',
        '--leader-elect-retry-period=5s',
        '--leader-elect-resource-lock=configmapsleases',
        '--leader-elect-resource-name',
        'my-ctrl',
        '--leader-elect-resource-namespace=ops',
        '--kubeconfig',
        '/x',
      ]),
    ).toEqual({
      leaderElect: true,
      leaseDurationMs: 60_000,
      renewDeadlineMs: 40_000,
      retryPeriodMs: 5_000,
      resourceLock: 'configmapsleases',
      resourceName: 'my-ctrl',
      resourceNamespace: 'ops',
    });
  });

  it('takes the last occurrence, boolean spellings of strconv.ParseBool, and stops at --', () => {
    expect(parseLeaderElectionFlags(['--leader-elect=false', '--leader-elect=T']).leaderElect).toBe(true);
    expect(parseLeaderElectionFlags(['--leader-elect=0']).leaderElect).toBe(false);
    expect(parseLeaderElectionFlags(['--', '--leader-elect=nope']).leaderElect).toBe(true);
  });

  it('accepts an object keyed with or without dashes, and caller defaults', () => {
    expect(
      parseLeaderElectionFlags(
        { 'leader-elect': false, '--leader-elect-lease-duration': '20s' },
        { resourceName: 'mine', resourceNamespace: 'default' },
      ),
    ).toMatchObject({
      leaderElect: false,
      leaseDurationMs: 20_000,
      resourceName: 'mine',
      resourceNamespace: 'default',
    });
  });

  it('skips the duration rules when leader election is off, as kube-scheduler does', () => {
    expect(
      parseLeaderElectionFlags(['--leader-elect=false', '--leader-elect-lease-duration=1s']).leaseDurationMs,
    ).toBe(1000);
  });

  it.each([
    [
      ['--leader-elect-lease-duration=15'],
      /--leader-elect-lease-duration: Invalid duration "15": a number needs a unit/,
    ],
    [['--leader-elect-renew-deadline=ten'], /--leader-elect-renew-deadline: Invalid duration "ten"/],
    [
      ['--leader-elect-lease-duration=5s'],
      /--leader-elect-lease-duration \(5s\) must be greater than --leader-elect-renew-deadline \(10s\)/,
    ],
    [
      ['--leader-elect-retry-period=10s'],
      /--leader-elect-renew-deadline \(10s\) must be greater than 1\.2 × --leader-elect-retry-period \(12s\)/,
    ],
    [['--leader-elect-retry-period=0s'], /--leader-elect-retry-period must be greater than zero/],
    [
      ['--leader-elect-resource-lock=secrets'],
      /--leader-elect-resource-lock must be one of leases, configmaps, endpoints, configmapsleases, endpointsleases; got "secrets"/,
    ],
    [['--leader-elect-resource-name='], /--leader-elect-resource-name must not be empty/],
    [['--leader-elect-resource-namespace='], /--leader-elect-resource-namespace must not be empty/],
    [['--leader-elect-resource-name'], /--leader-elect-resource-name needs a value/],
    [['--leader-elect=maybe'], /--leader-elect must be true or false; got "maybe"/],
    [['--leader-elect-lease-time=5s'], /Unknown flag --leader-elect-lease-time/],
    [{ 'leader-elect-lease-duration': true }, /--leader-elect-lease-duration needs a value/],
    [{ 'leader-elect-bogus': 'x' }, /Unknown flag --leader-elect-bogus/],
  ])('rejects %j with a ConfigError naming the flag', (args, message) => {
    expect(() => parseLeaderElectionFlags(args as string[])).toThrow(ConfigError);
    expect(() => parseLeaderElectionFlags(args as string[])).toThrow(message);
  });
});
