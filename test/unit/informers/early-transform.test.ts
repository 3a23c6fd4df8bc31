import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import type { ListItemOptions, ListOptions, WatchOptions } from '../../../src/client/request-options.js';
import type { KubeList } from '../../../src/client/resource-type.js';
import type { WatchEvent } from '../../../src/client/watch-event.js';
import { TransformError } from '../../../src/informers/errors.js';
import type { ListWatch } from '../../../src/informers/list-watch.js';
import { SharedIndexInformer } from '../../../src/informers/shared-informer.js';

type Obj = ConfigMap & { transformed?: number };

const cm = (name: string): Obj => ({ metadata: { name, namespace: 'ns', resourceVersion: '5' } });

/**
 * Serves one list of fresh objects (as a decoder would) and applies `transformItem` to all,
 * some or none of them; answers a watch-list with ADDED events and the end bookmark.
 */
class DecodingListWatch implements ListWatch<Obj> {
  constructor(
    private readonly names: string[],
    private readonly applies: 'all' | 'odd' | 'none',
  ) {}

  async list(options: ListOptions & ListItemOptions<Obj>): Promise<KubeList<Obj>> {
    const items = this.names.map((name, i) => {
      const obj = cm(name);
      const apply = this.applies === 'all' || (this.applies === 'odd' && i % 2 === 1);
      return apply && options.transformItem ? options.transformItem(obj) : obj;
    });
    return { metadata: { resourceVersion: '5' }, items };
  }

  watch(options: WatchOptions): AsyncIterable<WatchEvent<Obj>> {
    const names = this.names;
    return (async function* () {
      if (options.sendInitialEvents) {
        for (const name of names) yield { type: 'ADDED' as const, object: cm(name) };
        yield {
          type: 'BOOKMARK' as const,
          object: {
            metadata: { resourceVersion: '5', annotations: { 'k8s.io/initial-events-end': 'true' } },
          },
        };
      }
      await new Promise<void>((_, reject) => {
        if (options.signal?.aborted) reject(options.signal.reason);
        options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
      });
    })();
  }
}

async function sync(lw: ListWatch<Obj>, poison?: string, useWatchList = false) {
  let calls = 0;
  const errors: unknown[] = [];
  const informer = new SharedIndexInformer<Obj>(lw, {
    transform: (obj) => {
      calls++;
      if (obj.metadata?.name === poison) throw new Error('transform bug');
      return { ...obj, transformed: (obj.transformed ?? 0) + 1 };
    },
    onError: (err) => errors.push(err),
    reflector: { useWatchList },
  });
  const added: Obj[] = [];
  informer.addEventHandler({ onAdd: (obj) => added.push(obj) });
  const stop = new AbortController();
  const running = informer.run(stop.signal);
  for (let i = 0; i < 400 && !informer.hasSynced(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(informer.hasSynced()).toBe(true);
  stop.abort();
  await running;
  return { calls, errors, cached: informer.indexer.list() as Obj[], added };
}

const names = ['a', 'b', 'c', 'd', 'e'];

describe('early transform of listed items', () => {
  for (const applies of ['all', 'odd', 'none'] as const) {
    it(`transforms every listed object exactly once when the ListWatch applies transformItem to ${applies}`, async () => {
      const { calls, errors, cached, added } = await sync(new DecodingListWatch(names, applies));
      expect(errors).toEqual([]);
      expect(calls).toBe(names.length);
      expect(cached.map((o) => o.transformed)).toEqual(names.map(() => 1));
      expect(added.map((o) => o.metadata?.name).sort()).toEqual(names);
    });
  }

  it('transforms watch-list initial events exactly once', async () => {
    const { calls, cached } = await sync(new DecodingListWatch(names, 'all'), undefined, true);
    expect(calls).toBe(names.length);
    expect(cached.map((o) => o.transformed)).toEqual(names.map(() => 1));
  });

  for (const useWatchList of [false, true]) {
    it(`reports a throwing transform once and keeps the rest (${useWatchList ? 'watch-list' : 'LIST'})`, async () => {
      const { errors, cached } = await sync(new DecodingListWatch(names, 'all'), 'c', useWatchList);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(TransformError);
      expect(String((errors[0] as Error).message)).toContain('ns/c');
      expect(cached.map((o) => o.metadata?.name).sort()).toEqual(['a', 'b', 'd', 'e']);
      expect(cached.every((o) => o.transformed === 1)).toBe(true);
    });
  }
});
