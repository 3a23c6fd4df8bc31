import { randomBytes } from 'node:crypto';
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import type { Condition } from 'kubernetes-types/meta/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CustomResourceDefinitions,
  isConflict,
  isNotFound,
  type KubeClient,
  type KubeObject,
  type ResourceClient,
  resourceType,
} from '../../../src/client/index.js';
import { setCondition, updateStatusWithRetry } from '../../../src/controller/index.js';
import { clientAs } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';

interface Gadget extends KubeObject {
  spec: { size: number };
  status?: { count?: number; phase?: string; conditions?: Condition[] };
}

// CRDs are cluster-scoped: a random group keeps parallel runs and files apart.
const group = `g${randomBytes(3).toString('hex')}.kubekit.test`;
const Gadgets = resourceType<Gadget>({
  group,
  version: 'v1',
  resource: 'gadgets',
  kind: 'Gadget',
  namespaced: true,
});

const crd: CustomResourceDefinition = {
  metadata: { name: `gadgets.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', required: ['size'], properties: { size: { type: 'integer' } } },
              status: {
                type: 'object',
                properties: {
                  count: { type: 'integer' },
                  phase: { type: 'string' },
                  conditions: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
                      properties: {
                        type: { type: 'string' },
                        status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
                        observedGeneration: { type: 'integer' },
                        lastTransitionTime: { type: 'string', format: 'date-time' },
                        reason: { type: 'string' },
                        message: { type: 'string' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
};

/**
 * A client of gadgets whose `get` lets `between` run after reading (so our write then races a
 * concurrent writer on the real server) for the first `times` reads; everything else is `real`.
 */
function racingClient(real: ResourceClient<Gadget>, between: () => Promise<unknown>, times = 1) {
  let reads = 0;
  const racing = Object.create(real) as ResourceClient<Gadget>;
  racing.get = async (...args: Parameters<ResourceClient<Gadget>['get']>) => {
    const got = await real.get(...args);
    if (++reads <= times) await between();
    return got;
  };
  return { client: racing, reads: () => reads };
}

describe('updateStatusWithRetry and setCondition against the API server', () => {
  const ns = useTestNamespace('status');
  let kube: KubeClient;
  let gadgets: ResourceClient<Gadget>;
  let counter = 0;
  beforeAll(async () => {
    kube = await clientAs('admin');
    const crds = kube.resource(CustomResourceDefinitions);
    await crds.create(crd);
    for (let i = 0; ; i++) {
      const cur = await crds.get(crd.metadata!.name!);
      if (cur.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (i > 300) throw new Error('the CRD did not become Established');
      await new Promise((r) => setTimeout(r, 100));
    }
    gadgets = kube.resource(Gadgets).namespace(ns());
    // Established can precede the first successful request by a moment: wait until a list works.
    for (let i = 0; ; i++) {
      const ok = await gadgets.list().then(
        () => true,
        () => false,
      );
      if (ok) break;
      if (i > 300) throw new Error('gadgets are not served');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    await kube
      .resource(CustomResourceDefinitions)
      .delete(crd.metadata!.name!)
      .catch(() => {});
    await kube.close();
  });

  const create = (size = 1) => gadgets.create({ metadata: { name: `g-${++counter}` }, spec: { size } });

  it('writes the status subresource from the latest object and leaves spec and generation alone', async () => {
    const created = await create(3);
    const name = created.metadata!.name!;
    const written = await updateStatusWithRetry(gadgets, name, (latest) => {
      latest.status = { phase: 'Ready' };
      // The status subresource ignores spec changes.
      latest.spec = { size: 99 };
      return latest;
    });
    expect(written.status).toEqual({ phase: 'Ready' });
    expect(written.spec).toEqual({ size: 3 });
    expect(written.metadata?.generation).toBe(1);
    const live = await gadgets.get(name);
    expect(live.status).toEqual({ phase: 'Ready' });
    expect(live.spec).toEqual({ size: 3 });
    expect(live.metadata?.resourceVersion).toBe(written.metadata?.resourceVersion);
  });

  it('works with an unscoped client given the namespace', async () => {
    const created = await create();
    const written = await updateStatusWithRetry(
      kube.resource(Gadgets),
      created.metadata!.name!,
      (latest) => ({ ...latest, status: { phase: 'Scoped' } }),
      { namespace: ns() },
    );
    expect(written.metadata?.namespace).toBe(ns());
    expect((await gadgets.get(created.metadata!.name!)).status?.phase).toBe('Scoped');
  });

  it('retries after a conflict with a concurrent spec writer: re-reads, re-applies mutate, loses nothing', async () => {
    const created = await create(1);
    const name = created.metadata!.name!;
    const { client, reads } = racingClient(gadgets, async () => {
      const cur = await gadgets.get(name);
      await gadgets.update({ ...cur, spec: { size: 7 } });
    });
    const seen: string[] = [];
    const written = await updateStatusWithRetry(client, name, (latest) => {
      seen.push(latest.metadata!.resourceVersion!);
      return { ...latest, status: { phase: `attempt ${seen.length}` } };
    });
    expect(seen).toHaveLength(2);
    expect(seen[1]).not.toBe(seen[0]);
    expect(reads()).toBe(2);
    expect(written.status).toEqual({ phase: 'attempt 2' });
    const live = await gadgets.get(name);
    expect(live.spec).toEqual({ size: 7 });
    expect(live.metadata?.generation).toBe(2);
    expect(live.status).toEqual({ phase: 'attempt 2' });
  });

  it('loses no increment when several writers update the status at once', async () => {
    const created = await create();
    const name = created.metadata!.name!;
    const writers = 5;
    let attempts = 0;
    await Promise.all(
      Array.from({ length: writers }, () =>
        updateStatusWithRetry(
          gadgets,
          name,
          (latest) => {
            attempts++;
            return { ...latest, status: { ...latest.status, count: (latest.status?.count ?? 0) + 1 } };
          },
          // Each failed attempt means another writer succeeded meanwhile, so `writers` attempts suffice.
          { backoff: { steps: writers } },
        ),
      ),
    );
    expect((await gadgets.get(name)).status?.count).toBe(writers);
    expect(attempts).toBeGreaterThanOrEqual(writers);
  });

  it('gives up with the conflict after backoff.steps attempts against a writer that always wins', async () => {
    const created = await create();
    const name = created.metadata!.name!;
    let size = 1;
    const { client } = racingClient(
      gadgets,
      async () => {
        const cur = await gadgets.get(name);
        await gadgets.update({ ...cur, spec: { size: ++size } });
      },
      Number.POSITIVE_INFINITY,
    );
    let calls = 0;
    const err = await updateStatusWithRetry(
      client,
      name,
      (latest) => {
        calls++;
        return { ...latest, status: { phase: 'never' } };
      },
      { backoff: { steps: 3, durationMs: 1 } },
    ).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect(calls).toBe(3);
    expect((await gadgets.get(name)).status).toBeUndefined();
  });

  it('rejects with NotFound, without calling mutate, when the object is gone', async () => {
    const created = await create();
    const name = created.metadata!.name!;
    await gadgets.delete(name);
    let calls = 0;
    const err = await updateStatusWithRetry(gadgets, name, (latest) => {
      calls++;
      return latest;
    }).catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
    expect(calls).toBe(0);
  });

  it('rejects with NotFound when the object is deleted between the read and the write', async () => {
    const created = await create();
    const name = created.metadata!.name!;
    const { client } = racingClient(gadgets, () => gadgets.delete(name));
    let calls = 0;
    const err = await updateStatusWithRetry(client, name, (latest) => {
      calls++;
      return { ...latest, status: { phase: 'late' } };
    }).catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
    expect(calls).toBe(1);
  });

  it('writes nothing when an aborted signal is given', async () => {
    const created = await create();
    const stop = new AbortController();
    stop.abort(new Error('shutting down'));
    let calls = 0;
    await expect(
      updateStatusWithRetry(
        gadgets,
        created.metadata!.name!,
        (latest) => {
          calls++;
          return { ...latest, status: { phase: 'aborted' } };
        },
        { signal: stop.signal },
      ),
    ).rejects.toThrow();
    expect(calls).toBe(0);
    expect((await gadgets.get(created.metadata!.name!)).status).toBeUndefined();
  });

  it('keeps lastTransitionTime (and the object unwritten) for an unchanged condition, moves it on a change', async () => {
    const created = await create();
    const name = created.metadata!.name!;
    const setReady = (status: 'True' | 'False', now: Date, message = `ready=${status}`) =>
      updateStatusWithRetry(gadgets, name, (latest) => {
        latest.status = {
          ...latest.status,
          conditions: setCondition(
            latest.status?.conditions,
            { type: 'Ready', status, reason: status === 'True' ? 'Ready' : 'NotReady', message },
            now,
          ),
        };
        return latest;
      });

    const first = await setReady('False', new Date('2024-05-01T10:00:00Z'));
    expect(first.status?.conditions).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'NotReady',
        message: 'ready=False',
        lastTransitionTime: '2024-05-01T10:00:00Z',
      },
    ]);

    // Same status, reason and message later: the server sees an identical object and stores nothing.
    const same = await setReady('False', new Date('2024-05-01T11:00:00Z'));
    expect(same.status?.conditions?.[0]?.lastTransitionTime).toBe('2024-05-01T10:00:00Z');
    expect(same.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);

    // Same status, new message: written, but the transition time stays.
    const reworded = await setReady('False', new Date('2024-05-01T11:30:00Z'), 'two replicas missing');
    expect(reworded.metadata?.resourceVersion).not.toBe(first.metadata?.resourceVersion);
    expect(reworded.status?.conditions?.[0]).toMatchObject({
      message: 'two replicas missing',
      lastTransitionTime: '2024-05-01T10:00:00Z',
    });

    // A changed status moves the transition time.
    const flipped = await setReady('True', new Date('2024-05-01T12:00:00Z'));
    expect(flipped.status?.conditions).toEqual([
      {
        type: 'Ready',
        status: 'True',
        reason: 'Ready',
        message: 'ready=True',
        lastTransitionTime: '2024-05-01T12:00:00Z',
      },
    ]);
    expect((await gadgets.get(name)).status?.conditions?.[0]?.lastTransitionTime).toBe(
      '2024-05-01T12:00:00Z',
    );
  });
});
