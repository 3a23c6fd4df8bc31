import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ConfigMaps, KubeClient, Leases } from '../../../src/client/index.js';
import { Manager } from '../../../src/controller/index.js';
import { ChaosProxy } from '../../../src/testing/index.js';
import { chaosProxyUpstream, clientAs, skipUnlessAvailable } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function eventually<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await Promise.resolve(probe()).catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
const fastElection = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 };

/**
 * An admin client that reaches the apiserver through a ChaosProxy (rate limit and retries off).
 * The proxy presents admin's client certificate upstream: a test using it first calls
 * `skipUnlessAvailable(ctx, ['chaos-proxy'])`, as an existing cluster's admin
 * (KUBEKIT_TEST_KUBECONFIG) may authenticate otherwise.
 */
async function proxiedClient(
  namespace: string,
  name: string,
): Promise<{ proxy: ChaosProxy; viaProxy: KubeClient }> {
  const upstream = chaosProxyUpstream();
  if (!upstream)
    throw new Error('proxiedClient: no ChaosProxy upstream (skipUnlessAvailable "chaos-proxy" first)');
  const proxy = await ChaosProxy.start(upstream);
  const viaProxy = new KubeClient(
    {
      server: proxy.url,
      namespace,
      tls: { insecureSkipVerify: false },
      auth: { authorization: async () => undefined, invalidate: async () => false },
      identity: `manager-proxy-${namespace}-${name}`,
    },
    { qps: -1, maxRetries: 0 },
  );
  return { proxy, viaProxy };
}

describe('Manager', () => {
  const ns = useTestNamespace('mgr');
  let kube: KubeClient;
  beforeAll(async () => {
    kube = await clientAs('admin');
  });
  afterAll(() => kube.close());

  it('serves healthz, readyz after sync, and Prometheus metrics for controllers, queues, informers and the election', async () => {
    const manager = new Manager({
      kube,
      name: 'metrics-test',
      http: { host: '127.0.0.1', port: 0 },
      // Only this test's objects: a real cluster's namespace also holds kube-root-ca.crt, which
      // would be listed and reconciled before the object this test creates.
      informers: { namespace: ns(), labelSelector: 'kubekit.dev/case=metrics' },
      leaderElection: { lock: { namespace: ns(), name: 'metrics-test' }, identity: 'solo', ...fastElection },
    });
    const configMaps = manager.factory.informerFor(ConfigMaps);
    let reconciled = 0;
    manager
      .newController({
        name: 'cm',
        reconcile: async () => {
          reconciled++;
          return undefined;
        },
      })
      .for(configMaps);
    const stop = new AbortController();
    const running = manager.start(stop.signal);
    const base = await eventually(
      () => manager.httpAddress && `http://${manager.httpAddress}`,
      'the HTTP server',
    );
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await eventually(async () => (await fetch(`${base}/readyz`)).status === 200, 'readyz');
    // Created after the informer synced, so it can only arrive as a watch event (created before,
    // it could land in the initial list and leave the event counter at 0).
    await kube
      .resource(ConfigMaps)
      .namespace(ns())
      .create({ metadata: { name: 'one', labels: { 'kubekit.dev/case': 'metrics' } } });
    await eventually(() => reconciled > 0, 'a reconcile');
    const metrics = await eventually(async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return /kubekit_informer_events_total\{name="configmaps in [^"]+"\} [1-9]/.test(text) && text;
    }, 'the watch event in the informer metrics');
    expect(metrics).toMatch(
      /^controller_runtime_reconcile_total\{controller="cm",result="success"\} [1-9]\d*$/m,
    );
    expect(metrics).toMatch(/^workqueue_adds_total\{name="cm"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^leader_election_master_status\{name="metrics-test"\} 1$/m);
    expect(metrics).toMatch(/^kubekit_informer_lists_total\{name="configmaps in [^"]+"\} 1$/m);
    expect(metrics).toContain('process_cpu_user_seconds_total');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    stop.abort();
    await running;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('runs leader-only work on one replica at a time and hands it over on shutdown', async () => {
    const working = new Set<string>();
    const overlaps: string[] = [];
    const managers = ['a', 'b'].map((identity) => {
      const manager = new Manager({
        kube,
        name: 'handover',
        leaderElection: { lock: { namespace: ns(), name: 'handover' }, identity, ...fastElection },
      });
      manager.add({
        name: 'work',
        start: async (signal) => {
          if (working.size > 0) overlaps.push(`${identity} started while ${[...working]} worked`);
          working.add(identity);
          await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
          working.delete(identity);
        },
      });
      const stop = new AbortController();
      return { identity, manager, stop, running: manager.start(stop.signal) };
    });
    const first = await eventually(() => [...working][0], 'a leader to start working');
    await sleep(1000);
    expect([...working]).toEqual([first]);
    const leader = managers.find((m) => m.identity === first)!;
    leader.stop.abort();
    await leader.running;
    const released = performance.now();
    // releaseOnCancel: the stopped leader wrote an empty holder before its start() resolved.
    const lease = await kube.resource(Leases).namespace(ns()).get('handover');
    expect(lease.spec?.holderIdentity ?? '').toBe('');
    const second = await eventually(() => [...working][0], 'the other replica to take over', 5000);
    expect(second).not.toBe(first);
    // Faster than the lease duration: the successor acted on the release, not on expiry.
    expect(performance.now() - released).toBeLessThan(fastElection.leaseDurationMs);
    expect(overlaps).toEqual([]);
    for (const m of managers) m.stop.abort();
    await Promise.all(managers.map((m) => m.running));
  });

  it('stops its work and reports when leadership is lost', async (ctx) => {
    skipUnlessAvailable(ctx, ['chaos-proxy']);
    const { proxy, viaProxy } = await proxiedClient(ns(), 'loser');
    let lost = false;
    let workStopped = false;
    const manager = new Manager({
      kube: viaProxy,
      name: 'loser',
      leaderElection: { lock: { namespace: ns(), name: 'loser' }, identity: 'loser', ...fastElection },
      onLeadershipLost: () => {
        lost = true;
      },
    });
    let working = false;
    manager.add({
      name: 'work',
      start: async (signal) => {
        working = true;
        await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
        workStopped = true;
      },
    });
    const stop = new AbortController();
    const running = manager.start(stop.signal);
    await eventually(() => working, 'leadership');
    proxy.blackhole(true);
    await running; // the manager stops by itself
    expect(workStopped).toBe(true);
    expect(lost).toBe(true);
    expect(manager.isLeader()).toBe(false);
    proxy.blackhole(false);
    await viaProxy.close();
    await proxy.stop();
  });

  it('reports not ready until its informers have synced', async (ctx) => {
    skipUnlessAvailable(ctx, ['chaos-proxy']);
    const { proxy, viaProxy } = await proxiedClient(ns(), 'readyz');
    proxy.blackhole(true); // the informer's LIST gets no answer until the hole closes
    const manager = new Manager({
      kube: viaProxy,
      name: 'readyz-test',
      http: { host: '127.0.0.1', port: 0 },
      informers: { namespace: ns() },
    });
    manager.factory.informerFor(ConfigMaps);
    const stop = new AbortController();
    const running = manager.start(stop.signal);
    const base = await eventually(() => manager.httpAddress && `http://${manager.httpAddress}`, 'the server');
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(500);
    expect(await notReady.text()).toContain('[-]informers failed: informer caches have not synced');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    proxy.blackhole(false);
    await eventually(async () => (await fetch(`${base}/readyz`)).status === 200, 'readyz after sync');
    stop.abort();
    await running;
    await viaProxy.close();
    await proxy.stop();
  });

  it('stops a real controller when leadership is lost: in-flight reconciles are cut, none start after', async (ctx) => {
    skipUnlessAvailable(ctx, ['chaos-proxy']);
    const { proxy, viaProxy } = await proxiedClient(ns(), 'lost-controller');
    const configMaps = kube.resource(ConfigMaps).namespace(ns());
    const label = { 'kubekit.dev/case': 'lost-controller' };
    for (const name of ['polite', 'stubborn']) await configMaps.create({ metadata: { name, labels: label } });
    let lost = false;
    const warnings: string[] = [];
    const manager = new Manager({
      kube: viaProxy,
      name: 'lost-controller',
      informers: { namespace: ns(), labelSelector: 'kubekit.dev/case=lost-controller' },
      gracefulShutdownTimeoutMs: 1000,
      leaderElection: {
        lock: { namespace: ns(), name: 'lost-controller' },
        identity: 'only',
        ...fastElection,
      },
      onLeadershipLost: () => {
        lost = true;
      },
      logger: { debug: () => {}, info: () => {}, warn: (m) => warnings.push(m), error: () => {} },
    });
    const started: string[] = [];
    const inFlight = new Set<string>();
    let politeSawAbort = false;
    let releaseStubborn = () => {};
    const stubbornDone = new Promise<void>((r) => {
      releaseStubborn = r;
    });
    manager
      .newController({
        name: 'lost-controller',
        workers: 2,
        reconcile: async ({ name }, { signal }) => {
          started.push(name);
          inFlight.add(name);
          try {
            if (name === 'polite') {
              // Honours its signal: ends as soon as the manager stops the controller.
              await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
              politeSawAbort = true;
            } else {
              await stubbornDone; // ignores its signal: the shutdown timeout has to cut it
            }
          } finally {
            inFlight.delete(name);
          }
        },
      })
      .for(manager.factory.informerFor(ConfigMaps));
    const stop = new AbortController();
    const running = manager.start(stop.signal);
    await eventually(() => inFlight.size === 2, 'both reconciles in flight');
    proxy.blackhole(true); // renewals get no answer: the renew deadline passes
    await running; // the manager stops by itself, without waiting for the stubborn reconcile
    expect(lost).toBe(true);
    expect(manager.isLeader()).toBe(false);
    expect(politeSawAbort).toBe(true);
    expect([...inFlight]).toEqual(['stubborn']);
    expect(warnings.some((w) => w.includes('shutdown did not finish within 1000 ms'))).toBe(true);
    // Nothing reconciles any more: a new object and the stubborn key's release start nothing.
    proxy.blackhole(false);
    await configMaps.create({ metadata: { name: 'after', labels: label } });
    releaseStubborn();
    await sleep(1000);
    expect(started.sort()).toEqual(['polite', 'stubborn']);
    stop.abort();
    await viaProxy.close();
    await proxy.stop();
  });

  it('refuses a health port that is taken, saying so', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const manager = new Manager({ kube, http: { host: '127.0.0.1', port } });
      const attempt = manager.start(new AbortController().signal);
      await expect(attempt).rejects.toBeInstanceOf(ConfigError);
      await expect(attempt).rejects.toThrow(`port ${port} is in use`);
    } finally {
      blocker.close();
    }
  });
});
