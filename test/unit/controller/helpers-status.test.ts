import type { Condition } from 'kubernetes-types/meta/v1.js';
import { describe, expect, it } from 'vitest';
import {
  ApiError,
  isConflict,
  isNotFound,
  type KubeObject,
  type ResourceClient,
} from '../../../src/client/index.js';
import type { Clock } from '../../../src/common/clock.js';
import { setCondition, updateStatusWithRetry } from '../../../src/controller/index.js';

const t0 = new Date('2024-05-01T10:00:00.123Z');
const t1 = new Date('2024-05-01T11:30:00.999Z');

const ready = (status: 'True' | 'False' | 'Unknown', extra: Partial<Condition> = {}) => ({
  type: 'Ready',
  status,
  reason: status === 'True' ? 'AllGood' : 'Waiting',
  message: `ready is ${status}`,
  ...extra,
});

describe('setCondition', () => {
  it('appends a new condition stamped with now, in RFC 3339 seconds', () => {
    const list = setCondition(undefined, ready('False'), t0);
    expect(list).toEqual([{ ...ready('False'), lastTransitionTime: '2024-05-01T10:00:00Z' }]);
  });

  it('keeps lastTransitionTime when the status did not change, while taking the new reason and message', () => {
    const before = setCondition([], ready('False'), t0);
    const after = setCondition(before, ready('False', { reason: 'StillWaiting', message: 'two left' }), t1);
    expect(after).toEqual([
      {
        ...ready('False'),
        reason: 'StillWaiting',
        message: 'two left',
        lastTransitionTime: '2024-05-01T10:00:00Z',
      },
    ]);
    // The same condition again gives an equal list: a caller comparing before/after writes nothing.
    expect(setCondition(before, ready('False'), t1)).toEqual(before);
  });

  it('keeps the old transition time even when the caller passes one for an unchanged status', () => {
    const before = setCondition([], ready('True'), t0);
    const after = setCondition(before, ready('True', { lastTransitionTime: '2030-01-01T00:00:00Z' }), t1);
    expect(after[0]?.lastTransitionTime).toBe('2024-05-01T10:00:00Z');
  });

  it('moves lastTransitionTime when the status changes', () => {
    const before = setCondition([], ready('False'), t0);
    const after = setCondition(before, ready('True'), t1);
    expect(after).toEqual([{ ...ready('True'), lastTransitionTime: '2024-05-01T11:30:00Z' }]);
    const back = setCondition(after, ready('Unknown'), t0);
    expect(back[0]?.lastTransitionTime).toBe('2024-05-01T10:00:00Z');
  });

  it('uses the lastTransitionTime given with a changed status instead of now', () => {
    const before = setCondition([], ready('False'), t0);
    const after = setCondition(before, ready('True', { lastTransitionTime: '2024-04-30T00:00:00Z' }), t1);
    expect(after[0]?.lastTransitionTime).toBe('2024-04-30T00:00:00Z');
  });

  it('replaces only the condition of the same type, in place, and returns a new list', () => {
    const progressing: Condition = {
      type: 'Progressing',
      status: 'True',
      reason: 'Rolling',
      message: '',
      lastTransitionTime: '2024-01-01T00:00:00Z',
    };
    const degraded: Condition = { ...progressing, type: 'Degraded', status: 'False', reason: 'Fine' };
    const oldReady: Condition = { ...ready('False'), lastTransitionTime: '2024-02-02T00:00:00Z' };
    const before: readonly Condition[] = Object.freeze([progressing, oldReady, degraded]);
    const after = setCondition(before, ready('True', { observedGeneration: 4 }), t1);
    expect(after).not.toBe(before);
    expect(after.map((c) => c.type)).toEqual(['Progressing', 'Ready', 'Degraded']);
    expect(after[0]).toBe(progressing);
    expect(after[2]).toBe(degraded);
    expect(after[1]).toEqual({
      ...ready('True'),
      observedGeneration: 4,
      lastTransitionTime: '2024-05-01T11:30:00Z',
    });
    // The input list and its conditions are untouched.
    expect(before[1]).toEqual({ ...ready('False'), lastTransitionTime: '2024-02-02T00:00:00Z' });
  });

  it('defaults now to the current time', () => {
    const before = Date.now();
    const [c] = setCondition(undefined, ready('True'));
    const stamped = Date.parse(c?.lastTransitionTime ?? '');
    expect(c?.lastTransitionTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Truncated to the second, so up to 1 s before the call.
    expect(stamped).toBeGreaterThan(before - 1000);
    expect(stamped).toBeLessThanOrEqual(Date.now());
  });
});

interface Thing extends KubeObject {
  spec?: { size: number };
  status?: { phase?: string; attempts?: number };
}

/**
 * A status-subresource stand-in with optimistic concurrency: `updateStatus` fails with 409 when
 * the object's resourceVersion is not the stored one. `writeBetween` simulates concurrent
 * writers that change the stored object between our read and our write.
 */
function fakeServer(initial: Thing | undefined) {
  let stored = initial && structuredClone(initial);
  let rv = Number(initial?.metadata?.resourceVersion ?? 1);
  const calls: string[] = [];
  const client = {
    async get(name: string, options: { namespace?: string } = {}) {
      calls.push(`get ${options.namespace ?? '-'}/${name}`);
      if (!stored || stored.metadata?.name !== name)
        throw new ApiError({ code: 404, reason: 'NotFound', message: `things "${name}" not found` });
      return structuredClone(stored);
    },
    async updateStatus(obj: Thing) {
      calls.push(`updateStatus ${obj.metadata?.resourceVersion}`);
      if (!stored) throw new ApiError({ code: 404, reason: 'NotFound' });
      if (obj.metadata?.resourceVersion !== stored.metadata?.resourceVersion)
        throw new ApiError({ code: 409, reason: 'Conflict', message: 'the object has been modified' });
      // The status subresource takes only status from the request.
      stored = {
        ...stored,
        status: obj.status,
        metadata: { ...stored.metadata, resourceVersion: String(++rv) },
      };
      return structuredClone(stored);
    },
  } as unknown as ResourceClient<Thing>;
  const writeBetween = (spec: { size: number }) => {
    if (!stored) return;
    stored = { ...stored, spec, metadata: { ...stored.metadata, resourceVersion: String(++rv) } };
  };
  return { client, calls, writeBetween, stored: () => stored };
}

/** A clock whose sleeps return at once and are recorded. */
function instantClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => 0,
    wallNow: () => new Date(0),
    setTimeout: (fn) => {
      queueMicrotask(fn);
      return { cancel() {} };
    },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
}

const thing: Thing = {
  apiVersion: 'example.com/v1',
  kind: 'Thing',
  metadata: { name: 't', namespace: 'ns', resourceVersion: '10' },
  spec: { size: 1 },
};

describe('updateStatusWithRetry', () => {
  it('reads the latest object, writes mutate(latest) to the status subresource and returns it', async () => {
    const server = fakeServer(thing);
    const written = await updateStatusWithRetry(
      server.client,
      't',
      (latest) => {
        latest.status = { phase: 'Ready' };
        return latest;
      },
      { namespace: 'ns' },
    );
    expect(server.calls).toEqual(['get ns/t', 'updateStatus 10']);
    expect(written.status).toEqual({ phase: 'Ready' });
    expect(written.metadata?.resourceVersion).toBe('11');
    expect(server.stored()?.status).toEqual({ phase: 'Ready' });
  });

  it('hands mutate a copy, so changing it in place does not touch what get returned', async () => {
    const server = fakeServer(thing);
    const seen: Thing[] = [];
    const get = server.client.get.bind(server.client);
    server.client.get = (async (...args: Parameters<typeof get>) => {
      const got = await get(...args);
      seen.push(got);
      return got;
    }) as typeof server.client.get;
    await updateStatusWithRetry(server.client, 't', (latest) => {
      latest.status = { phase: 'Mutated' };
      return latest;
    });
    expect(seen[0]?.status).toBeUndefined();
  });

  it('re-reads and re-applies mutate after a conflict with a concurrent writer, keeping their change', async () => {
    const server = fakeServer(thing);
    const clock = instantClock();
    const seenVersions: (string | undefined)[] = [];
    const written = await updateStatusWithRetry(
      server.client,
      't',
      (latest) => {
        seenVersions.push(latest.metadata?.resourceVersion);
        // Someone else writes the spec after our read, once.
        if (seenVersions.length === 1) server.writeBetween({ size: 5 });
        return { ...latest, status: { attempts: seenVersions.length } };
      },
      { backoff: { clock, durationMs: 7, jitter: 0 } },
    );
    expect(seenVersions).toEqual(['10', '11']);
    expect(server.calls).toEqual(['get -/t', 'updateStatus 10', 'get -/t', 'updateStatus 11']);
    expect(clock.sleeps).toEqual([7]);
    expect(written.status).toEqual({ attempts: 2 });
    expect(server.stored()?.spec).toEqual({ size: 5 });
  });

  it('gives up with the conflict after backoff.steps attempts', async () => {
    const server = fakeServer(thing);
    const clock = instantClock();
    let attempts = 0;
    const err = await updateStatusWithRetry(
      server.client,
      't',
      (latest) => {
        attempts++;
        server.writeBetween({ size: attempts });
        return latest;
      },
      { backoff: { steps: 3, clock, durationMs: 10, factor: 2, jitter: 0 } },
    ).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect(attempts).toBe(3);
    expect(clock.sleeps).toEqual([10, 20]);
  });

  it('rejects at once with NotFound when the object is gone, without calling mutate', async () => {
    const server = fakeServer(undefined);
    const clock = instantClock();
    let called = 0;
    const err = await updateStatusWithRetry(
      server.client,
      'gone',
      (latest) => {
        called++;
        return latest;
      },
      { backoff: { clock } },
    ).catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
    expect(called).toBe(0);
    expect(server.calls).toEqual(['get -/gone']);
    expect(clock.sleeps).toEqual([]);
  });

  it('propagates an error thrown by mutate without retrying', async () => {
    const server = fakeServer(thing);
    const boom = new Error('bad state');
    await expect(
      updateStatusWithRetry(server.client, 't', () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(server.calls).toEqual(['get -/t']);
  });
});
