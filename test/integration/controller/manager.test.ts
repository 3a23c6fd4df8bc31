import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigError, ConfigMaps, KubeClient } from '../../../src/client/index.js';
import { Manager } from '../../../src/controller/index.js';
import { ChaosProxy } from '../../../src/testing/index.js';
import { clientAs } from '../support/kube.js';
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
      informers: { namespace: ns() },
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
    await kube
      .resource(ConfigMaps)
      .namespace(ns())
      .create({ metadata: { name: 'one' } });
    const base = await eventually(
      () => manager.httpAddress && `http://${manager.httpAddress}`,
      'the HTTP server',
    );
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await eventually(async () => (await fetch(`${base}/readyz`)).status === 200, 'readyz');
    await eventually(() => reconciled > 0, 'a reconcile');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/controller_runtime_reconcile_total\{controller="cm",result="success"\} [1-9]/);
    expect(metrics).toMatch(/workqueue_adds_total\{name="cm"\} [1-9]/);
    expect(metrics).toContain('leader_election_master_status');
    expect(metrics).toMatch(/kubekit_informer_lists_total\{name="configmaps in [^"]+"\} 1/);
    expect(metrics).toMatch(/kubekit_informer_events_total\{name="configmaps in [^"]+"\} [1-9]/);
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
    const second = await eventually(() => [...working][0], 'the other replica to take over', 5000);
    expect(second).not.toBe(first);
    expect(overlaps).toEqual([]);
    for (const m of managers) m.stop.abort();
    await Promise.all(managers.map((m) => m.running));
  });

  it('stops its work and reports when leadership is lost', async () => {
    const info = inject('kubeLocal');
    const proxy = await ChaosProxy.start({
      server: info.server,
      caFile: info.caFile,
      certFile: info.users.admin.certFile!,
      keyFile: info.users.admin.keyFile!,
    });
    const viaProxy = new KubeClient(
      {
        server: proxy.url,
        namespace: ns(),
        tls: { insecureSkipVerify: false },
        auth: { authorization: async () => undefined, invalidate: async () => false },
        identity: `manager-proxy-${ns()}`,
      },
      { qps: -1, maxRetries: 0 },
    );
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
