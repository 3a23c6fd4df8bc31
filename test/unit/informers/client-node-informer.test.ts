import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { ApiError, TransportError } from '../../../src/client/api-error.js';
import { ConfigError } from '../../../src/common/errors.js';
import type { Logger } from '../../../src/common/logger.js';
import {
  type ClientNodeInformer,
  DeletedFinalStateUnknown,
  type InformerMetricsProvider,
  makeClientNodeInformer,
  SharedIndexInformer,
} from '../../../src/informers/index.js';
import { cm, list, PushListWatch, ScriptedListWatch, until } from './scripted-list-watch.js';

const fastBackoff = { reflector: { backoff: { initialMs: 1, maxMs: 5, jitter: 0 } } };

/** Records every object event as `verb:name@rv`, in the order the callbacks ran. */
function record(
  informer: ClientNodeInformer<ConfigMap>,
  verbs: readonly ('add' | 'update' | 'delete')[] = ['add', 'update', 'delete'],
) {
  const seen: string[] = [];
  for (const verb of verbs) {
    informer.on(
      verb,
      (obj) => void seen.push(`${verb}:${obj.metadata?.name}@${obj.metadata?.resourceVersion}`),
    );
  }
  return seen;
}

describe('makeClientNodeInformer (client-node facade over SharedIndexInformer)', () => {
  it('reports add, update, change and delete in order, and list()/get() follow the callbacks', async () => {
    const lw = new PushListWatch(list('1', [cm('a', '1')]));
    const informer = makeClientNodeInformer(lw, { informer: fastBackoff });
    const seen = record(informer);
    const changes: string[] = [];
    informer.on('change', (obj) => void changes.push(obj.metadata!.name!));
    const olds: string[] = [];
    informer.on('update', (_obj, old) => void olds.push(old.metadata!.resourceVersion!));
    const visibleInAdd: boolean[] = [];
    informer.on('add', (obj) => void visibleInAdd.push(informer.get(obj.metadata!.name!, 'ns') === obj));
    const visibleInDelete: boolean[] = [];
    informer.on(
      'delete',
      (obj) => void visibleInDelete.push(informer.get(obj.metadata!.name!, 'ns') !== undefined),
    );

    await informer.start();
    // start() resolves once the initial list has been reported.
    expect(seen).toEqual(['add:a@1']);
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['a']);
    expect(informer.list('ns')).toHaveLength(1);
    expect(informer.list('elsewhere')).toEqual([]);
    expect(informer.get('a', 'ns')?.metadata?.resourceVersion).toBe('1');
    // As in client-node, no namespace means a cluster-scoped object.
    expect(informer.get('a')).toBeUndefined();

    await until(() => lw.watchCalls.length === 1, 'the watch');
    lw.push({ type: 'MODIFIED', object: cm('a', '2') });
    lw.push({ type: 'ADDED', object: cm('b', '3') });
    lw.push({ type: 'MODIFIED', object: cm('b', '4', { data: { k: 'v' } }) });
    lw.push({ type: 'DELETED', object: cm('a', '5') });
    await until(() => seen.length === 5, 'four more events');
    expect(seen).toEqual(['add:a@1', 'update:a@2', 'add:b@3', 'update:b@4', 'delete:a@5']);
    expect(changes).toEqual(['a', 'a', 'b', 'b', 'a']);
    expect(olds).toEqual(['1', '3']);
    expect(visibleInAdd).toEqual([true, true]);
    expect(visibleInDelete).toEqual([false]);
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['b']);
    expect(informer.get('b', 'ns')?.data).toEqual({ k: 'v' });
    expect(informer.latestResourceVersion()).toBe('5');
    await informer.stop();
  });

  it('contains throwing and rejecting callbacks: the others still run and each failure is an error event', async () => {
    const lw = new ScriptedListWatch([list('1', [cm('a', '1'), cm('b', '2')])], [['hang']]);
    const logged: string[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn() {},
      error: (message) => void logged.push(message),
    };
    const informer = makeClientNodeInformer(lw, { logger, informer: fastBackoff });
    informer.on('add', (obj) => {
      if (obj.metadata?.name === 'a') throw new Error('sync bug');
    });
    informer.on('add', async (obj) => {
      if (obj.metadata?.name === 'b') throw new Error('async bug');
    });
    const seen = record(informer, ['add']);
    const errors: string[] = [];
    informer.on('error', () => {
      throw new Error('the error listener is broken too');
    });
    informer.on('error', (err, source) => void errors.push(`${source}:${(err as Error).message}`));

    await informer.start();
    await until(() => errors.length === 2, 'both errors');
    expect(seen).toEqual(['add:a@1', 'add:b@2']);
    expect(errors).toEqual(['handler:sync bug', 'handler:async bug']);
    // A throwing error listener is logged, never turned into another error event.
    expect(logged).toHaveLength(2);
    expect(informer.informer?.running).toBe(true);
    await informer.stop();
  });

  it('keeps running through watch errors: error is informational and connect comes with every watch', async () => {
    const lw = new ScriptedListWatch(
      [list('10', [cm('a', '5')])],
      [
        [
          { type: 'ADDED', object: cm('b', '11') },
          new TransportError('connection reset', undefined, 'ECONNRESET'),
        ],
        [{ type: 'ADDED', object: cm('c', '12') }, 'hang'],
      ],
    );
    let watchesCounted = 0;
    const noop = { inc() {}, set() {} };
    const metrics: InformerMetricsProvider = {
      newListsMetric: () => noop,
      newRelistsMetric: () => noop,
      newWatchesMetric: () => ({ inc: () => void watchesCounted++ }),
      newEventsMetric: () => noop,
      newErrorsMetric: () => noop,
      newHandlerLagMetric: () => noop,
      newHandlerBacklogMetric: () => noop,
    };
    const informer = makeClientNodeInformer(lw, { informer: { ...fastBackoff, metrics } });
    const seen = record(informer, ['add']);
    let connects = 0;
    informer.on('connect', () => void connects++);
    const errors: [string, unknown][] = [];
    const restarts: Promise<void>[] = [];
    informer.on('error', (err, source) => {
      errors.push([source, err]);
      // What client-node code does on an error; here the informer is still running.
      restarts.push(informer.start());
    });
    const started = informer.start();
    await started;
    await until(() => seen.length === 3, 'the add after the reconnect');

    expect(seen).toEqual(['add:a@5', 'add:b@11', 'add:c@12']);
    expect(errors.map(([source]) => source)).toEqual(['watch']);
    expect(errors[0]?.[1]).toBeInstanceOf(TransportError);
    expect(restarts).toHaveLength(1);
    expect(restarts[0]).toBe(started);
    expect(connects).toBe(2);
    // The user's metrics provider still counts the watches.
    expect(watchesCounted).toBe(2);
    // Resumed from the last resourceVersion: one list, two watches.
    expect(lw.listCalls).toHaveLength(1);
    expect(lw.watchCalls.map((w) => w.resourceVersion)).toEqual(['10', '11']);
    await informer.stop();
  });

  it('reports a deletion missed while disconnected with the last known object, not a tombstone', async () => {
    const gone = new ApiError({ kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
    const b = cm('b', '6');
    const lw = new ScriptedListWatch(
      [list('10', [cm('a', '5'), b]), list('20', [cm('a', '5')])],
      [[gone], ['hang']],
    );
    const informer = makeClientNodeInformer(lw, { informer: fastBackoff });
    const seen = record(informer);
    const deleted: unknown[] = [];
    informer.on('delete', (obj) => void deleted.push(obj));
    await informer.start();
    await until(() => deleted.length === 1, 'the missed deletion');

    expect(deleted[0]).toBe(b);
    expect(deleted[0]).not.toBeInstanceOf(DeletedFinalStateUnknown);
    // The relist found a unchanged: no update for it.
    expect(seen).toEqual(['add:a@5', 'add:b@6', 'delete:b@6']);
    expect(informer.get('b', 'ns')).toBeUndefined();
    expect(lw.listCalls).toHaveLength(2);
    await informer.stop();
  });

  it('off() removes a callback from its verb, and from all three for change; unknown verbs are refused', async () => {
    const lw = new PushListWatch(list('1', []));
    const informer = makeClientNodeInformer(lw, { informer: fastBackoff });
    const seen = record(informer);
    const removedAdds: string[] = [];
    const removedChanges: string[] = [];
    const onAdd = (obj: ConfigMap) => void removedAdds.push(obj.metadata!.name!);
    const onChange = (obj: ConfigMap) => void removedChanges.push(obj.metadata!.name!);
    informer.on('add', onAdd);
    informer.on('change', onChange);
    await informer.start();
    await until(() => lw.watchCalls.length === 1, 'the watch');
    lw.push({ type: 'ADDED', object: cm('a', '2') });
    await until(() => seen.length === 1, 'the first add');
    expect(removedAdds).toEqual(['a']);
    expect(removedChanges).toEqual(['a']);

    informer.off('add', onAdd);
    informer.off('change', onChange);
    informer.off('delete', onChange); // not registered any more: nothing happens
    lw.push({ type: 'ADDED', object: cm('b', '3') });
    lw.push({ type: 'MODIFIED', object: cm('a', '4') });
    lw.push({ type: 'DELETED', object: cm('b', '5') });
    await until(() => seen.length === 4, 'three more events');
    expect(seen).toEqual(['add:a@2', 'add:b@3', 'update:a@4', 'delete:b@5']);
    expect(removedAdds).toEqual(['a']);
    expect(removedChanges).toEqual(['a']);

    expect(() => informer.on('added' as 'add', () => {})).toThrow(ConfigError);
    expect(() => informer.off('bookmark' as 'add', () => {})).toThrow(/unknown informer event "bookmark"/);
    await informer.stop();
  });

  it('stops when told, keeps its cache, and a second start() reports only what changed meanwhile', async () => {
    const lw = new ScriptedListWatch(
      [
        list('10', [cm('a', '1'), cm('b', '1'), cm('c', '1')]),
        list('20', [cm('a', '1'), cm('b', '2'), cm('d', '1')]),
      ],
      [['hang'], ['hang']],
    );
    const informer = makeClientNodeInformer(lw, { informer: fastBackoff });
    const seen = record(informer);
    await informer.start();
    const first = informer.informer;
    expect(first?.running).toBe(true);
    expect(seen).toEqual(['add:a@1', 'add:b@1', 'add:c@1']);

    await informer.stop();
    await informer.stop();
    expect(first?.running).toBe(false);
    expect(informer.list()).toHaveLength(3);

    await informer.start();
    expect(informer.informer).not.toBe(first);
    expect(seen.slice(3)).toEqual(['update:b@2', 'add:d@1', 'delete:c@1']);
    expect(
      informer
        .list('ns')
        .map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`)
        .sort(),
    ).toEqual(['a@1', 'b@2', 'd@1']);
    await informer.stop();
  });

  it('listens to an existing informer without owning it; a second start() repeats nothing', async () => {
    const lw = new PushListWatch(list('1', [cm('a', '1'), cm('b', '1')]));
    const shared = new SharedIndexInformer(lw, fastBackoff);
    const stopShared = new AbortController();
    const running = shared.run(stopShared.signal);
    const informer = makeClientNodeInformer(shared);
    expect(informer.informer).toBe(shared);
    const seen = record(informer);
    let connects = 0;
    informer.on('connect', () => void connects++);
    await informer.start();
    expect(seen).toEqual(['add:a@1', 'add:b@1']);
    expect(connects).toBe(1);

    await informer.stop();
    expect(shared.running).toBe(true);
    await until(() => lw.watchCalls.length === 1, 'the watch');
    lw.push({ type: 'MODIFIED', object: cm('a', '2') });
    lw.push({ type: 'DELETED', object: cm('b', '3') });
    lw.push({ type: 'ADDED', object: cm('c', '4') });
    await until(() => shared.indexer.getByKey('ns/c') !== undefined, 'the shared cache');
    expect(seen).toHaveLength(2);

    await informer.start();
    expect(seen.slice(2)).toEqual(['update:a@2', 'add:c@4', 'delete:b@1']);
    expect(connects).toBe(2);

    stopShared.abort();
    await running;
    await informer.stop();
    await expect(informer.start()).rejects.toThrow(ConfigError);
  });

  it('refuses selectors without a ResourceClient and informer settings for an existing informer', () => {
    const lw = new PushListWatch(list('1', []));
    expect(() => makeClientNodeInformer(lw, { labelSelector: 'app=web' })).toThrow(ConfigError);
    expect(() => makeClientNodeInformer(new SharedIndexInformer(lw), { informer: { name: 'mine' } })).toThrow(
      /existing informer/,
    );
  });
});
