import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { ApiError, type ResourceClient } from '../../../src/client/index.js';
import {
  addFinalizer,
  handleFinalizer,
  hasFinalizer,
  removeFinalizer,
} from '../../../src/controller/index.js';

const ours = 'kubekit.test/cleanup';
const theirs = 'other.test/keep';

interface Write {
  verb: 'patch' | 'update';
  /** Whether the write carried the caller's resourceVersion as a precondition. */
  guarded: boolean;
  namespace: string | undefined;
  signal: AbortSignal | undefined;
}

type JsonOp = { op: string; path: string; value?: unknown };

/**
 * One stored object behind the ResourceClient calls a finalizer helper may make (JSON patch,
 * merge patch, update), with the API server's rules: a failed JSON-patch `test` is 422, a
 * resourceVersion precondition that does not hold is 409, each write bumps the resourceVersion,
 * and an empty finalizer list is not stored. Records every write; `failWith` makes them throw.
 */
function fakeServer(initial: ConfigMap, failWith?: unknown) {
  let stored = structuredClone(initial);
  let rv = Number(initial.metadata?.resourceVersion ?? '1');
  const writes: Write[] = [];
  const commit = (next: ConfigMap) => {
    next.metadata = { ...next.metadata, resourceVersion: String(++rv) };
    if (next.metadata.finalizers?.length === 0) delete next.metadata.finalizers;
    stored = next;
    return structuredClone(stored);
  };
  const conflict = () =>
    new ApiError({ code: 409, reason: 'Conflict', message: 'the object has been modified' });
  const locate = (name: string, namespace: string | undefined) => {
    if (name !== stored.metadata?.name || namespace !== stored.metadata?.namespace)
      throw new ApiError({ code: 404, reason: 'NotFound', message: `${namespace}/${name} not found` });
  };
  const client = {
    async patch(name: string, patch: unknown, options: Record<string, unknown> = {}) {
      const namespace = options.namespace as string | undefined;
      locate(name, namespace);
      const next = structuredClone(stored) as ConfigMap & { metadata: Record<string, unknown> };
      let guarded: boolean;
      if (options.type === 'json') {
        const ops = patch as JsonOp[];
        guarded = ops.some((o) => o.op === 'test' && o.path === '/metadata/resourceVersion');
        for (const o of ops) {
          const [root, field, ...rest] = o.path.split('/').slice(1);
          if (root !== 'metadata' || !field || rest.length > 0) throw new Error(`unexpected path ${o.path}`);
          if (o.op === 'test') {
            if (JSON.stringify(next.metadata[field]) !== JSON.stringify(o.value))
              throw new ApiError({ code: 422, reason: 'Invalid', message: 'test failed' });
          } else if (o.op === 'add' || o.op === 'replace') next.metadata[field] = o.value;
          else if (o.op === 'remove') delete next.metadata[field];
          else throw new Error(`unexpected op ${o.op}`);
        }
      } else if (options.type === undefined || options.type === 'merge') {
        const meta = (patch as { metadata?: Record<string, unknown> }).metadata ?? {};
        guarded = meta.resourceVersion !== undefined;
        if (guarded && meta.resourceVersion !== stored.metadata?.resourceVersion) throw conflict();
        for (const [k, v] of Object.entries(meta)) {
          if (v === null) delete next.metadata[k];
          else next.metadata[k] = v;
        }
      } else {
        throw new Error(`unexpected patch type ${String(options.type)}`);
      }
      writes.push({ verb: 'patch', guarded, namespace, signal: options.signal as AbortSignal | undefined });
      if (failWith) throw failWith;
      return commit(next);
    },
    async update(obj: ConfigMap, options: Record<string, unknown> = {}) {
      locate(obj.metadata?.name ?? '', obj.metadata?.namespace);
      if (obj.metadata?.resourceVersion !== stored.metadata?.resourceVersion) throw conflict();
      writes.push({
        verb: 'update',
        guarded: true,
        namespace: obj.metadata?.namespace,
        signal: options.signal as AbortSignal | undefined,
      });
      if (failWith) throw failWith;
      return commit(structuredClone(obj));
    },
  } as unknown as ResourceClient<ConfigMap>;
  /** Someone else writes the object (bumping its resourceVersion). */
  const otherWriter = (data: Record<string, string>) => commit({ ...structuredClone(stored), data });
  return { client, writes, stored: () => stored, otherWriter };
}

const cm = (meta: ConfigMap['metadata'] = {}): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cm', namespace: 'ns', uid: 'uid-cm', resourceVersion: '7', ...meta },
  data: { v: '1' },
});

describe('hasFinalizer', () => {
  it('tells whether the exact finalizer is present', () => {
    expect(hasFinalizer(cm({ finalizers: [theirs, ours] }), ours)).toBe(true);
    expect(hasFinalizer(cm({ finalizers: [theirs] }), ours)).toBe(false);
    expect(hasFinalizer(cm({ finalizers: [] }), ours)).toBe(false);
    expect(hasFinalizer(cm({}), ours)).toBe(false);
    expect(hasFinalizer({}, ours)).toBe(false);
    // A longer name or another domain is another finalizer.
    expect(hasFinalizer(cm({ finalizers: ['kubekit.test/cleanup-old'] }), ours)).toBe(false);
    expect(hasFinalizer(cm({ finalizers: ['cleanup'] }), ours)).toBe(false);
  });
});

describe('addFinalizer', () => {
  it('adds the finalizer on the server with one write guarded by the resourceVersion, keeping the others', async () => {
    const server = fakeServer(cm({ finalizers: [theirs] }));
    const signal = new AbortController().signal;
    const obj = cm({ finalizers: [theirs] });
    const result = await addFinalizer(server.client, obj, ours, signal);
    expect(server.writes).toEqual([{ verb: expect.any(String), guarded: true, namespace: 'ns', signal }]);
    expect(server.stored().metadata?.finalizers).toEqual([theirs, ours]);
    expect(server.stored().data).toEqual({ v: '1' });
    // It returns the object the server wrote, and leaves the caller's object as it was.
    expect(result).toEqual(server.stored());
    expect(result.metadata?.resourceVersion).toBe('8');
    expect(obj.metadata?.finalizers).toEqual([theirs]);
  });

  it('adds the first finalizer to an object that has none', async () => {
    const server = fakeServer(cm());
    const result = await addFinalizer(server.client, cm(), ours);
    expect(server.stored().metadata?.finalizers).toEqual([ours]);
    expect(result.metadata?.finalizers).toEqual([ours]);
    expect(server.writes).toHaveLength(1);
  });

  it('is a no-op without a request when the finalizer is already there', async () => {
    const server = fakeServer(cm({ finalizers: [ours] }));
    const obj = cm({ finalizers: [ours] });
    expect(await addFinalizer(server.client, obj, ours)).toBe(obj);
    expect(server.writes).toHaveLength(0);
  });

  it('writes a cluster-scoped object without a namespace', async () => {
    const node: ConfigMap = { metadata: { name: 'node-1', resourceVersion: '3' } };
    const server = fakeServer(node);
    await addFinalizer(server.client, node, ours);
    expect(server.writes.map((w) => w.namespace)).toEqual([undefined]);
    expect(server.stored().metadata?.finalizers).toEqual([ours]);
  });

  it('fails, changing nothing, when the object changed since it was read', async () => {
    const server = fakeServer(cm({ finalizers: [theirs] }));
    const stale = cm({ finalizers: [theirs] });
    server.otherWriter({ v: '2' });
    const before = structuredClone(server.stored());
    await expect(addFinalizer(server.client, stale, ours)).rejects.toBeInstanceOf(ApiError);
    expect(server.stored()).toEqual(before);
  });

  it("propagates the server's error unchanged", async () => {
    const refused = new ApiError({ code: 403, reason: 'Forbidden', message: 'no' });
    const server = fakeServer(cm(), refused);
    await expect(addFinalizer(server.client, cm(), ours)).rejects.toBe(refused);
  });
});

describe('removeFinalizer', () => {
  it('removes only that finalizer on the server, with a guarded write', async () => {
    const server = fakeServer(cm({ finalizers: [theirs, ours] }));
    const result = await removeFinalizer(server.client, cm({ finalizers: [theirs, ours] }), ours);
    expect(server.writes.map((w) => w.guarded)).toEqual([true]);
    expect(server.stored().metadata?.finalizers).toEqual([theirs]);
    expect(result.metadata?.finalizers).toEqual([theirs]);
  });

  it('removes the last finalizer', async () => {
    const server = fakeServer(cm({ finalizers: [ours] }));
    const result = await removeFinalizer(server.client, cm({ finalizers: [ours] }), ours);
    expect(server.stored().metadata?.finalizers).toBeUndefined();
    expect(hasFinalizer(result, ours)).toBe(false);
  });

  it('is a no-op without a request when the finalizer is absent', async () => {
    const server = fakeServer(cm({ finalizers: [theirs] }));
    const obj = cm({ finalizers: [theirs] });
    expect(await removeFinalizer(server.client, obj, ours)).toBe(obj);
    const bare = cm({});
    expect(await removeFinalizer(server.client, bare, ours)).toBe(bare);
    expect(server.writes).toHaveLength(0);
  });

  it("fails, without taking another's finalizer along, when the object changed since it was read", async () => {
    const server = fakeServer(cm({ finalizers: [ours] }));
    const stale = cm({ finalizers: [ours] });
    // Meanwhile someone adds theirs.
    await addFinalizer(server.client, structuredClone(server.stored()), theirs);
    await expect(removeFinalizer(server.client, stale, ours)).rejects.toBeInstanceOf(ApiError);
    expect(server.stored().metadata?.finalizers).toEqual([ours, theirs]);
  });
});

describe('handleFinalizer', () => {
  const deleting = (finalizers: string[]) => cm({ finalizers, deletionTimestamp: '2024-01-01T00:00:00Z' });

  it('adds the finalizer to a live object that lacks it, without cleaning up', async () => {
    const server = fakeServer(cm({ finalizers: [theirs] }));
    const cleaned: ConfigMap[] = [];
    const step = await handleFinalizer(server.client, cm({ finalizers: [theirs] }), ours, async (o) => {
      cleaned.push(o);
    });
    expect(step).toBe('added');
    expect(cleaned).toHaveLength(0);
    expect(server.stored().metadata?.finalizers).toEqual([theirs, ours]);
  });

  it('does nothing to a live object that already has it', async () => {
    const server = fakeServer(cm({ finalizers: [ours] }));
    let cleaned = 0;
    const step = await handleFinalizer(server.client, cm({ finalizers: [ours] }), ours, async () => {
      cleaned++;
    });
    expect(step).toBe('none');
    expect(cleaned).toBe(0);
    expect(server.writes).toHaveLength(0);
  });

  it('cleans up an object being deleted, then removes the finalizer', async () => {
    const server = fakeServer(deleting([theirs, ours]));
    const obj = deleting([theirs, ours]);
    let writesDuringCleanup = -1;
    const step = await handleFinalizer(server.client, obj, ours, async (o) => {
      expect(o).toBe(obj);
      writesDuringCleanup = server.writes.length;
    });
    expect(step).toBe('finalized');
    // The finalizer goes only after cleanup finished.
    expect(writesDuringCleanup).toBe(0);
    expect(server.writes).toHaveLength(1);
    expect(server.stored().metadata?.finalizers).toEqual([theirs]);
  });

  it('keeps the finalizer and propagates the error when cleanup throws', async () => {
    const server = fakeServer(deleting([ours]));
    const boom = new Error('cloud API down');
    await expect(
      handleFinalizer(server.client, deleting([ours]), ours, async () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(server.writes).toHaveLength(0);
    expect(server.stored().metadata?.finalizers).toEqual([ours]);
  });

  it('neither cleans up nor adds the finalizer back on an object being deleted without it', async () => {
    const server = fakeServer(deleting([theirs]));
    let cleaned = 0;
    const step = await handleFinalizer(server.client, deleting([theirs]), ours, async () => {
      cleaned++;
    });
    expect(step).toBe('none');
    expect(cleaned).toBe(0);
    expect(server.writes).toHaveLength(0);
  });
});
