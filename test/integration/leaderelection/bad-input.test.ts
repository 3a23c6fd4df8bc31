import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KubeClient } from '../../../src/client/index.js';
import { ConfigError } from '../../../src/common/errors.js';
import {
  LeaderElector,
  LeaseLock,
  newResourceLock,
  parseLeaderElectionFlags,
} from '../../../src/leaderelection/index.js';
import { clientAs, missingForTest, skipUnlessAvailable } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';
import { bundleCandidate } from './support/bundle.js';
import { CandidateProcess } from './support/candidates.js';

const TIMINGS = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 };

/** Runs one elector to its end and reports how it ended. */
async function runToEnd(elector: LeaderElector, timeoutMs = 10_000) {
  const started = performance.now();
  const outcome = await elector.run(AbortSignal.timeout(timeoutMs)).then(
    () => undefined,
    (err: unknown) => err,
  );
  return { error: outcome as Error | undefined, ms: performance.now() - started };
}

describe('leader election: bad input gives clear errors, never a silent retry loop', () => {
  const namespace = useTestNamespace('le-bad');
  const info = inject('kubeLocal');
  let admin: KubeClient;
  // The local plane's kubekit-restricted, allowed nothing: an existing cluster
  // (KUBEKIT_TEST_KUBECONFIG) has no such user, and the tests that need it skip there.
  let restricted: KubeClient;
  beforeAll(async () => {
    admin = await clientAs('admin');
    if (missingForTest(['restricted'], info) === undefined) restricted = await clientAs('restricted');
  });
  afterAll(async () => {
    await Promise.all([admin?.close(), restricted?.close()]);
  });

  it('a lock in a namespace the user may not write: run ends at once with a ConfigError naming RBAC', async (ctx) => {
    skipUnlessAvailable(ctx, ['restricted']);
    let stopped = 0;
    let started = 0;
    const elector = new LeaderElector({
      lock: new LeaseLock({ kube: restricted, namespace: namespace(), name: 'denied', identity: 'me' }),
      ...TIMINGS,
      callbacks: { onStartedLeading: () => void started++, onStoppedLeading: () => void stopped++ },
    });
    const { error, ms } = await runToEnd(elector);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toMatch(/cannot get its lock leases .*\/denied/);
    expect(error!.message).toMatch(/forbidden/);
    expect(error!.message).toMatch(/RBAC Role and RoleBinding/);
    expect((error!.cause as { code?: number }).code).toBe(403);
    expect(ms).toBeLessThan(2000);
    expect([started, stopped]).toEqual([0, 1]);
  });

  it('a namespace that does not exist: a ConfigError saying so', async () => {
    const elector = new LeaderElector({
      lock: newResourceLock('configmapsleases', {
        kube: admin,
        namespace: 'no-such-namespace-le',
        name: 'x',
        identity: 'me',
      }),
      ...TIMINGS,
      callbacks: { onStartedLeading: () => {}, onStoppedLeading: () => {} },
    });
    const { error, ms } = await runToEnd(elector);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toMatch(/cannot create its lock .*not found.*Create the namespace/);
    expect(ms).toBeLessThan(2000);
  });

  it('an invalid lock name: a ConfigError about the name', async () => {
    const elector = new LeaderElector({
      lock: new LeaseLock({ kube: admin, namespace: namespace(), name: 'Not_A_Valid_Name', identity: 'me' }),
      ...TIMINGS,
      callbacks: { onStartedLeading: () => {}, onStoppedLeading: () => {} },
    });
    const { error } = await runToEnd(elector);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toMatch(/valid Kubernetes object names/);
  });

  it('invalid durations and a missing identity fail before any request', () => {
    const lock = new LeaseLock({ kube: admin, namespace: namespace(), name: 'x', identity: 'me' });
    const callbacks = { onStartedLeading: () => {}, onStoppedLeading: () => {} };
    expect(
      () => new LeaderElector({ lock, callbacks, leaseDurationMs: 2000, renewDeadlineMs: 2000 }),
    ).toThrow(/leaseDurationMs \(2000 ms\) must be greater than renewDeadlineMs \(2000 ms\)/);
    expect(() => new LeaderElector({ lock, callbacks, renewDeadlineMs: 1000, retryPeriodMs: 1000 })).toThrow(
      /1\.2 × retryPeriodMs/,
    );
    expect(() => parseLeaderElectionFlags(['--leader-elect-lease-duration=15'])).toThrow(
      /--leader-elect-lease-duration: Invalid duration "15": a number needs a unit/,
    );
    expect(() =>
      newResourceLock('leases', { kube: admin, namespace: namespace(), name: 'x', identity: '' }),
    ).toThrow(/non-empty identity/);
  });

  it('a candidate process denied by RBAC exits with the reason instead of retrying forever', async (ctx) => {
    skipUnlessAvailable(ctx, ['restricted']);
    const bundle = await bundleCandidate();
    try {
      const c = new CandidateProcess(bundle.file, {
        identity: 'denied',
        lockType: 'leases',
        namespace: namespace(),
        name: 'denied',
        kubeconfig: info.kubeconfigPath,
        context: info.users.restricted.context,
        ...TIMINGS,
      });
      const timer = setTimeout(() => void c.kill9(), 20_000);
      await c.exited;
      clearTimeout(timer);
      expect(c.exitCode).toBe(2);
      expect(c.events.find((e) => e.ev === 'fatal')?.message).toMatch(/forbidden.*RBAC/s);
    } finally {
      bundle.remove();
    }
  });
});
