import type { KubeClient, KubeObject, ResourceType } from '../../../../src/client/index.js';
import { apiError } from './memory-lock.js';

/**
 * A KubeClient stand-in for lock tests: `resource(type).namespace(ns)` gives get/create/update
 * on an in-memory map with resourceVersion checks, and every object written is kept for
 * inspection.
 */
export class FakeKube {
  readonly objects = new Map<string, KubeObject>();
  readonly calls: Array<{ verb: string; key: string; body?: KubeObject }> = [];
  rv = 100;

  readonly client = {
    resource: (type: ResourceType) => ({
      namespace: (ns: string) => this.#scoped(type, ns),
    }),
  } as unknown as KubeClient;

  key(resource: string, ns: string, name: string): string {
    return `${resource}/${ns}/${name}`;
  }

  #scoped(type: ResourceType, ns: string) {
    const key = (name: string) => this.key(type.resource, ns, name);
    const clone = <T>(o: T): T => structuredClone(o);
    return {
      get: async (name: string, opts: { signal?: AbortSignal } = {}) => {
        opts.signal?.throwIfAborted();
        this.calls.push({ verb: 'get', key: key(name) });
        const o = this.objects.get(key(name));
        if (!o) throw apiError(404, 'NotFound', `${type.resource} "${name}" not found`);
        return clone(o);
      },
      create: async (obj: KubeObject) => {
        const k = key(obj.metadata!.name!);
        this.calls.push({ verb: 'create', key: k, body: clone(obj) });
        if (this.objects.has(k)) throw apiError(409, 'AlreadyExists', 'already exists');
        const stored = {
          ...clone(obj),
          metadata: { ...obj.metadata, namespace: ns, resourceVersion: String(++this.rv) },
        };
        this.objects.set(k, stored);
        return clone(stored);
      },
      update: async (obj: KubeObject) => {
        const k = key(obj.metadata!.name!);
        this.calls.push({ verb: 'update', key: k, body: clone(obj) });
        const cur = this.objects.get(k);
        if (!cur) throw apiError(404, 'NotFound', 'not found');
        if (cur.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
          throw apiError(409, 'Conflict', 'the object has been modified');
        }
        const stored = { ...clone(obj), metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
        this.objects.set(k, stored);
        return clone(stored);
      },
    };
  }
}
