import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Controller,
  generationChanged,
  type Request,
  type Result,
  TerminalError,
} from '../../../src/controller/index.js';
import { SharedIndexInformer } from '../../../src/informers/shared-informer.js';
import { FakeClock, FakeListWatch } from '../../../src/testing/index.js';

interface Widget {
  apiVersion?: string;
  kind?: string;
  metadata?: ConfigMap['metadata'];
  spec?: { size: number };
  status?: { ready?: boolean };
}

const widget = (name: string, extra: Partial<Widget> = {}): Widget => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, generation: 1 },
  spec: { size: 1 },
  ...extra,
});

const stops: AbortController[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s.abort();
});

/** Runs informers and a controller on a fake clock; `settle` lets promises and timers flow. */
function harness(
  reconcile: (req: Request) => Promise<Result | undefined>,
  options: { workers?: number; reconcileTimeoutMs?: number; initial?: Widget[] } = {},
) {
  const clock = new FakeClock();
  const lw = new FakeListWatch<Widget>(options.initial ?? []);
  const informer = new SharedIndexInformer(lw, {
    reflector: { backoff: { initialMs: 1, maxMs: 1, jitter: 0 } },
  });
  const controller = new Controller({
    name: 'widgets',
    reconcile: (req) => reconcile(req),
    clock,
    ...(options.workers ? { workers: options.workers } : {}),
    ...(options.reconcileTimeoutMs ? { reconcileTimeoutMs: options.reconcileTimeoutMs } : {}),
  });
  controller.for(informer);
  const stop = new AbortController();
  stops.push(stop);
  const informerRun = informer.run(stop.signal);
  const run = controller.run(stop.signal);
  const settle = async (ms = 0) => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    await clock.advance(ms);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  return { clock, lw, informer, controller, stop, run, informerRun, settle };
}

describe('Controller', () => {
  it('reconciles each object of the initial list once, only after the caches synced', async () => {
    const calls: string[] = [];
    let syncedAtFirstCall: boolean | undefined;
    const h = harness(
      async (req) => {
        syncedAtFirstCall ??= h.informer.hasSynced();
        calls.push(req.name);
        return undefined;
      },
      { initial: [widget('a'), widget('b'), widget('c')] },
    );
    await h.settle(100);
    await h.settle(100);
    expect(calls.sort()).toEqual(['a', 'b', 'c']);
    expect(syncedAtFirstCall).toBe(true);
    h.stop.abort();
    await h.run;
  });

  it('never runs one key twice at once, and runs it exactly once more for changes made meanwhile', async () => {
    let active = 0;
    let maxActive = 0;
    const calls: string[] = [];
    let release!: () => void;
    let gate = new Promise<void>((r) => {
      release = r;
    });
    const h = harness(
      async (req) => {
        active++;
        maxActive = Math.max(maxActive, active);
        calls.push(req.name);
        await gate;
        active--;
        return undefined;
      },
      { workers: 4, initial: [widget('a')] },
    );
    await h.settle(100);
    await h.settle(100);
    expect(calls).toEqual(['a']);
    for (let i = 0; i < 5; i++) h.lw.modify(widget('a', { spec: { size: i + 2 } }));
    await h.settle();
    expect(calls).toEqual(['a']);
    const first = release;
    gate = new Promise<void>((r) => {
      release = r;
    });
    first();
    await h.settle();
    expect(calls).toEqual(['a', 'a']);
    release();
    await h.settle();
    expect(calls).toEqual(['a', 'a']);
    expect(maxActive).toBe(1);
    h.stop.abort();
    await h.run;
  });

  it('retries failures with growing backoff, forgets on success, and does not retry a TerminalError', async () => {
    const attempts = new Map<string, number>();
    const h = harness(
      async (req) => {
        const n = (attempts.get(req.name) ?? 0) + 1;
        attempts.set(req.name, n);
        if (req.name === 'terminal') throw new TerminalError('bad spec');
        if (n <= 3) throw new Error('not yet');
        return undefined;
      },
      { initial: [widget('flaky'), widget('terminal')] },
    );
    // The controller's first cache-sync poll is at 100 ms of fake time; the first attempt follows.
    await h.settle(100);
    expect(attempts.get('flaky')).toBe(1);
    // Default per-item backoff: 5 ms, 10 ms, 20 ms.
    await h.settle(4);
    expect(attempts.get('flaky')).toBe(1);
    await h.settle(1);
    expect(attempts.get('flaky')).toBe(2);
    await h.settle(10);
    expect(attempts.get('flaky')).toBe(3);
    await h.settle(20);
    expect(attempts.get('flaky')).toBe(4);
    expect(h.controller.queue.numRequeues('ns/flaky')).toBe(0);
    await h.settle(10_000);
    expect(attempts.get('flaky')).toBe(4);
    expect(attempts.get('terminal')).toBe(1);
    h.stop.abort();
    await h.run;
  });

  it('comes back after requeueAfterMs', async () => {
    let calls = 0;
    const h = harness(
      async () => {
        calls++;
        return { requeueAfterMs: 30_000 };
      },
      { initial: [widget('periodic')] },
    );
    await h.settle(100);
    await h.settle(100);
    expect(calls).toBe(1);
    await h.settle(29_000);
    expect(calls).toBe(1);
    await h.settle(1_000);
    expect(calls).toBe(2);
    h.stop.abort();
    await h.run;
  });

  it('times out a reconcile that never resolves, retries later, and still never overlaps it', async () => {
    let calls = 0;
    let finishHanging!: () => void;
    const h = harness(
      async () => {
        calls++;
        if (calls === 1) {
          await new Promise<void>((r) => {
            finishHanging = r;
          });
        }
        return undefined;
      },
      { reconcileTimeoutMs: 1000, initial: [widget('stuck')] },
    );
    await h.settle(100);
    await h.settle(100);
    expect(calls).toBe(1);
    await h.settle(1000);
    // Timed out and a retry is queued, but the first call still holds the key.
    await h.settle(1000);
    expect(calls).toBe(1);
    finishHanging();
    await h.settle(100);
    expect(calls).toBe(2);
    h.stop.abort();
    await h.run;
  });

  it('filters events with predicates and maps owned objects to their owner', async () => {
    const clock = new FakeClock();
    const owners = new FakeListWatch<Widget>([widget('owner')]);
    const children = new FakeListWatch<Widget>([]);
    const ownerInformer = new SharedIndexInformer(owners);
    const childInformer = new SharedIndexInformer(children);
    const calls: string[] = [];
    const controller = new Controller({
      name: 'owners',
      clock,
      reconcile: async (req) => {
        calls.push(req.name);
        return undefined;
      },
    })
      .for(ownerInformer, generationChanged)
      .owns(childInformer, { kind: 'Widget', group: 'example.com' });
    const stop = new AbortController();
    stops.push(stop);
    void ownerInformer.run(stop.signal);
    void childInformer.run(stop.signal);
    const run = controller.run(stop.signal);
    const settle = async (ms = 0) => {
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      await clock.advance(ms);
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    };
    await settle(100);
    await settle(100);
    expect(calls).toEqual(['owner']);
    // A status-only change keeps the generation: filtered out.
    owners.modify(widget('owner', { status: { ready: true } }));
    await settle();
    expect(calls).toEqual(['owner']);
    owners.modify(widget('owner', { metadata: { ...widget('owner').metadata, generation: 2 } }));
    await settle();
    expect(calls).toEqual(['owner', 'owner']);
    // A child controlled by the owner wakes the owner; an unrelated child does not.
    children.add({
      metadata: {
        name: 'child',
        namespace: 'ns',
        ownerReferences: [
          { apiVersion: 'example.com/v1', kind: 'Widget', name: 'owner', uid: 'uid-owner', controller: true },
        ],
      },
    });
    children.add({ metadata: { name: 'stray', namespace: 'ns' } });
    await settle();
    expect(calls).toEqual(['owner', 'owner', 'owner']);
    children.remove({ metadata: { name: 'child', namespace: 'ns' } });
    await settle();
    expect(calls).toEqual(['owner', 'owner', 'owner', 'owner']);
    stop.abort();
    await run;
  });

  it('reports an RBAC denial once, naming it, and keeps retrying quietly with backoff', async () => {
    const { ApiError } = await import('../../../src/client/api-error.js');
    const clock = new FakeClock();
    const lw = new FakeListWatch<Widget>([widget('w')]);
    const informer = new SharedIndexInformer(lw);
    const logged: [string, string][] = [];
    const log = (level: string) => (message: string) => void logged.push([level, message]);
    let attempts = 0;
    const controller = new Controller({
      name: 'denied',
      clock,
      logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      reconcile: async () => {
        attempts++;
        throw new ApiError({
          kind: 'Status',
          code: 403,
          reason: 'Forbidden',
          message: 'configmaps is forbidden: User "x" cannot create resource "configmaps"',
        });
      },
    }).for(informer);
    const stop = new AbortController();
    stops.push(stop);
    void informer.run(stop.signal);
    const run = controller.run(stop.signal);
    for (let i = 0; i < 12; i++) {
      for (let j = 0; j < 20; j++) await new Promise((r) => setImmediate(r));
      await clock.advance(100 * 2 ** i);
    }
    expect(attempts).toBeGreaterThan(5);
    const errors = logged.filter(([level]) => level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.[1]).toContain('forbidden by RBAC');
    expect(logged.filter(([level]) => level === 'warn')).toHaveLength(0);
    stop.abort();
    await run;
  });
});
