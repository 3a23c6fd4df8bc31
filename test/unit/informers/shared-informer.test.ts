import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { ApiError, TransportError } from '../../../src/client/api-error.js';
import type { ListOptions, WatchOptions } from '../../../src/client/request-options.js';
import type { KubeList } from '../../../src/client/resource-type.js';
import type { WatchEvent } from '../../../src/client/watch-event.js';
import type { ListWatch } from '../../../src/informers/list-watch.js';
import { SharedIndexInformer } from '../../../src/informers/shared-informer.js';

const cm = (name: string, rv: string, extra: Partial<ConfigMap> = {}): ConfigMap => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  ...extra,
});

type Step = WatchEvent<ConfigMap> | Error | 'hang';

/** A ListWatch that plays scripted answers: one list result per list call, one script per watch. */
class ScriptedListWatch implements ListWatch<ConfigMap> {
  readonly listCalls: ListOptions[] = [];
  readonly watchCalls: WatchOptions[] = [];
  constructor(
    private readonly lists: KubeList<ConfigMap>[],
    private readonly watches: Step[][],
  ) {}

  async list(options: ListOptions): Promise<KubeList<ConfigMap>> {
    this.listCalls.push(options);
    const next = this.lists.length > 1 ? this.lists.shift()! : this.lists[0]!;
    return next;
  }

  watch(options: WatchOptions): AsyncIterable<WatchEvent<ConfigMap>> {
    this.watchCalls.push(options);
    const script = this.watches.shift() ?? ['hang'];
    return (async function* () {
      for (const step of script) {
        if (step === 'hang') {
          await new Promise<void>((_, reject) => {
            if (options.signal?.aborted) reject(options.signal.reason);
            options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
          });
        } else if (step instanceof Error) {
          throw step;
        } else {
          yield step;
        }
      }
    })();
  }
}

const list = (rv: string, items: ConfigMap[]): KubeList<ConfigMap> => ({
  metadata: { resourceVersion: rv },
  items,
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const fastBackoff = { reflector: { backoff: { initialMs: 1, maxMs: 5, jitter: 0 } } };

describe('SharedIndexInformer (scripted list/watch)', () => {
  it('reports bad objects, broken streams, unknown ERROR events and throwing transforms and handlers, and carries on', async () => {
    const noMetadata = {} as ConfigMap;
    const lw = new ScriptedListWatch(
      [
        list('10', [cm('a', '5'), noMetadata, cm('poison', '6')]),
        list('30', [cm('a', '5'), cm('b', '21'), cm('c', '30')]),
      ],
      [
        [
          { type: 'ADDED', object: noMetadata },
          { type: 'ADDED', object: cm('b', '11') },
          new TransportError(
            'watch stream carried a line that is not a watch event: <html>',
            undefined,
            'EBADEVENT',
          ),
        ],
        [
          { type: 'MODIFIED', object: cm('b', '21') },
          new ApiError({ kind: 'Status', code: 999, reason: 'Weird', message: 'unknown code' }),
        ],
        [{ type: 'ADDED', object: cm('d', '31') }, 'hang'],
      ],
    );
    const errors: [string, unknown][] = [];
    const informer = new SharedIndexInformer(lw, {
      ...fastBackoff,
      transform: (obj) => {
        if (obj.metadata?.name === 'poison') throw new Error('transform bug');
        return obj;
      },
      onError: (err, source) => errors.push([source, err]),
    });
    const added: string[] = [];
    informer.addEventHandler({
      onAdd: (obj) => {
        added.push(obj.metadata!.name!);
        if (obj.metadata?.name === 'b') throw new Error('handler bug');
      },
    });
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    await until(() => informer.indexer.getByKey('ns/d') !== undefined, 'the last watch');

    expect(informer.indexer.listKeys().sort()).toEqual(['ns/a', 'ns/b', 'ns/c', 'ns/d']);
    expect(informer.indexer.getByKey('ns/b')?.metadata?.resourceVersion).toBe('21');
    const sources = errors.map(([source]) => source);
    expect(sources).toContain('queue'); // no metadata, transform bug
    expect(sources).toContain('handler');
    expect(sources).toContain('watch'); // the garbage stream
    expect(errors.some(([, e]) => String(e).includes('transform bug'))).toBe(true);
    expect(errors.some(([, e]) => String(e).includes('handler bug'))).toBe(true);
    // The broken stream was resumed from the last good resourceVersion, without a relist…
    expect(lw.watchCalls[1]?.resourceVersion).toBe('11');
    // …and the unknown API error led to a relist from the last resourceVersion seen.
    expect(lw.listCalls.map((c) => c.resourceVersion)).toEqual(['0', '21']);
    expect(lw.listCalls[1]?.resourceVersionMatch).toBe('NotOlderThan');
    expect(added).toEqual(['a', 'b', 'c', 'd']);
    stop.abort();
    await running;
  });

  it('relists from a consistent read when the list itself is told its resourceVersion is gone', async () => {
    const gone = new ApiError({ kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
    const lw = new ScriptedListWatch([list('40', [cm('a', '40')])], [[gone], ['hang']]);
    const original = lw.list.bind(lw);
    let calls = 0;
    lw.list = async (options) => {
      calls++;
      if (calls === 2) {
        lw.listCalls.push(options);
        throw gone;
      }
      return original(options);
    };
    const informer = new SharedIndexInformer(lw, { ...fastBackoff, onError: () => {} });
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    await until(() => lw.listCalls.length >= 3, 'the relists');
    // First list: "0"; after the watch's 410: the last RV; after the list's own 410: "".
    expect(lw.listCalls.map((c) => c.resourceVersion)).toEqual(['0', '40', '']);
    stop.abort();
    await running;
  });

  it('says a handler has synced only after it has processed the whole initial list', async () => {
    const items = Array.from({ length: 50 }, (_, i) => cm(`o${i}`, String(i + 1)));
    const lw = new ScriptedListWatch([list('50', items)], [['hang']]);
    const informer = new SharedIndexInformer(lw, fastBackoff);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let slowSeen = 0;
    const slow = informer.addEventHandler({
      onAdd: async () => {
        slowSeen++;
        await gate;
      },
    });
    let fastSeen = 0;
    const fast = informer.addEventHandler({ onAdd: () => void fastSeen++ });
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    await until(() => fast.hasSynced(), 'the fast handler');
    expect(fastSeen).toBe(50);
    expect(informer.hasSynced()).toBe(true);
    expect(slow.hasSynced()).toBe(false);
    expect(slowSeen).toBe(1);
    release();
    await until(() => slow.hasSynced(), 'the slow handler');
    expect(slowSeen).toBe(50);

    // A handler added now is caught up with the cache and reports synced once it has been.
    const late: boolean[] = [];
    const lateRegistration = informer.addEventHandler({ onAdd: (_obj, initial) => void late.push(initial) });
    expect(lateRegistration.hasSynced()).toBe(false);
    await until(() => lateRegistration.hasSynced(), 'the late handler');
    expect(late).toHaveLength(50);
    expect(late.every(Boolean)).toBe(true);
    stop.abort();
    await running;
    expect(informer.running).toBe(false);
  });

  it('refuses to run twice and to change the transform after start', async () => {
    const lw = new ScriptedListWatch([list('1', [])], [['hang']]);
    const informer = new SharedIndexInformer(lw, fastBackoff);
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    await expect(informer.run(stop.signal)).rejects.toThrow(/runs once/);
    expect(() => informer.setTransform((o) => o)).toThrow(/before starting/);
    stop.abort();
    await running;
  });
});
