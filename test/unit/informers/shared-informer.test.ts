import { getEventListeners } from 'node:events';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { ApiError, TransportError } from '../../../src/client/api-error.js';
import type { WatchEvent } from '../../../src/client/watch-event.js';
import { SharedIndexInformer } from '../../../src/informers/shared-informer.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { cm, list, PushListWatch, ScriptedListWatch, type Step, until } from './scripted-list-watch.js';

const fastBackoff = { reflector: { backoff: { initialMs: 1, maxMs: 5, jitter: 0 } } };

/** Runs an informer over `lw` with fast backoff, recording the source of every error. */
function runRecordingSources(lw: ScriptedListWatch) {
  const errors: string[] = [];
  const informer = new SharedIndexInformer(lw, {
    ...fastBackoff,
    onError: (_e, source) => errors.push(source),
  });
  const stop = new AbortController();
  return { errors, informer, stop, running: informer.run(stop.signal) };
}

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

  it('relists when a watch breaks at the same event twice, and resumes past it', async () => {
    const garbage = () => new TransportError('unknown watch event type "FUTURE"', undefined, 'EBADEVENT');
    const lw = new ScriptedListWatch(
      [list('10', [cm('a', '10')]), list('13', [cm('a', '10'), cm('b', '12'), cm('c', '13')])],
      [
        [{ type: 'ADDED', object: cm('b', '12') }, garbage()],
        // Resumed from 12, the server sends the same undecodable event again: no progress.
        [garbage()],
        // After the relist (at 13), the watch goes on past it.
        [{ type: 'ADDED', object: cm('d', '14') }, 'hang'],
      ],
    );
    const { errors, informer, stop, running } = runRecordingSources(lw);
    await until(() => informer.indexer.getByKey('ns/d') !== undefined, 'the watch after the relist');
    expect(lw.watchCalls.map((c) => c.resourceVersion)).toEqual(['10', '12', '13']);
    expect(lw.listCalls.map((c) => c.resourceVersion)).toEqual(['0', '12']);
    expect(informer.indexer.listKeys().sort()).toEqual(['ns/a', 'ns/b', 'ns/c', 'ns/d']);
    expect(errors).toEqual(['watch', 'watch']);
    stop.abort();
    await running;
  });

  it('reports a failing LIST as a list error and retries it', async () => {
    const lw = new ScriptedListWatch([list('5', [cm('a', '5')])], [['hang']]);
    const original = lw.list.bind(lw);
    let calls = 0;
    lw.list = async (options) => {
      if (++calls === 1)
        throw new ApiError({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'no' });
      return original(options);
    };
    const { errors, informer, stop, running } = runRecordingSources(lw);
    await until(() => informer.hasSynced(), 'the second list');
    expect(errors).toEqual(['list']);
    expect(informer.stats.lists).toBe(1);
    stop.abort();
    await running;
  });

  it('keeps no abort listener per watch-list sync on the run signal', async () => {
    const gone = () => new ApiError({ kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
    const end = (rv: string): WatchEvent<ConfigMap> => ({
      type: 'BOOKMARK',
      object: { metadata: { resourceVersion: rv, annotations: { 'k8s.io/initial-events-end': 'true' } } },
    });
    // Runs `cycles` watch-list syncs that each end in 410 and one last that stays; returns the
    // abort listeners on the run's signal while that last one runs, and after the run ended.
    const listenersAfter = async (cycles: number) => {
      const watches: Step[][] = [];
      for (let i = 1; i <= cycles; i++)
        watches.push([{ type: 'ADDED', object: cm('a', String(i)) }, end(String(i)), gone()]);
      watches.push([{ type: 'ADDED', object: cm('a', 'last') }, end('99'), 'hang']);
      const lw = new ScriptedListWatch([list('1', [])], watches);
      const informer = new SharedIndexInformer(lw, {
        reflector: { ...fastBackoff.reflector, useWatchList: true },
        onError: () => {},
      });
      const stop = new AbortController();
      const running = informer.run(stop.signal);
      await until(
        () => informer.indexer.getByKey('ns/a')?.metadata?.resourceVersion === 'last',
        'the last sync',
      );
      expect(lw.listCalls).toHaveLength(0);
      expect(informer.stats.lists).toBe(cycles + 1);
      expect(informer.indexer.listKeys()).toEqual(['ns/a']);
      const during = getEventListeners(stop.signal, 'abort').length;
      stop.abort();
      await running;
      return { during, after: getEventListeners(stop.signal, 'abort').length };
    };
    const one = await listenersAfter(0);
    const many = await listenersAfter(20);
    // The informer's own listener and the live stream's link: a constant, however many syncs
    // came before, and nothing left once the run has ended.
    expect(one.during).toBeGreaterThan(0);
    expect(one.during).toBeLessThanOrEqual(3);
    expect(many.during).toBe(one.during);
    expect(one.after).toBe(0);
    expect(many.after).toBe(0);
  });

  it('lets a removed handler finish its call, and run() waits for it', async () => {
    const lw = new ScriptedListWatch([list('2', [cm('a', '1'), cm('b', '2')])], [['hang']]);
    const informer = new SharedIndexInformer(lw, fastBackoff);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let finished = false;
    const registration = informer.addEventHandler({
      onAdd: async () => {
        await gate;
        finished = true;
      },
    });
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    await until(() => informer.hasSynced(), 'the list');
    informer.removeEventHandler(registration);
    informer.removeEventHandler(registration);
    stop.abort();
    let stopped = false;
    void running.then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    release();
    await running;
    expect(finished).toBe(true);
    // The count of undelivered initial adds went to 0 at removal and stays there.
    expect(registration.hasSynced()).toBe(true);
  });

  it('gives a watch-list sync up after its limit without progress, not while events keep coming', async () => {
    const end: WatchEvent<ConfigMap> = {
      type: 'BOOKMARK',
      object: { metadata: { resourceVersion: '9', annotations: { 'k8s.io/initial-events-end': 'true' } } },
    };
    const clock = new FakeClock();
    const lw = new PushListWatch(list('7', [cm('x', '7')]));
    const errors: [string, unknown][] = [];
    const informer = new SharedIndexInformer(lw, {
      clock,
      reflector: { useWatchList: true, watchListTimeoutMs: 1000, backoff: { jitter: 0 } },
      onError: (err, source) => errors.push([source, err]),
    });
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    await clock.advance(0);
    // Three events 800 ms apart: 2.4 s in all, over the limit, but never 1 s of silence.
    for (const name of ['a', 'b', 'c']) {
      lw.push({ type: 'ADDED', object: cm(name, '8') });
      await clock.advance(800);
    }
    lw.push(end);
    await clock.advance(0);
    expect(informer.hasSynced()).toBe(true);
    expect(informer.indexer.listKeys().sort()).toEqual(['ns/a', 'ns/b', 'ns/c']);
    expect(lw.listCalls).toHaveLength(0);
    stop.abort();
    await running;

    // A stream that goes quiet before its end bookmark: LIST takes over after the limit.
    const quiet = new PushListWatch(list('7', [cm('x', '7')]));
    const clock2 = new FakeClock();
    const informer2 = new SharedIndexInformer(quiet, {
      clock: clock2,
      reflector: { useWatchList: true, watchListTimeoutMs: 1000 },
      onError: (err, source) => errors.push([source, err]),
    });
    const stop2 = new AbortController();
    const running2 = informer2.run(stop2.signal);
    await clock2.advance(0);
    quiet.push({ type: 'ADDED', object: cm('a', '8') });
    await clock2.advance(1500);
    expect(quiet.listCalls).toHaveLength(0);
    await clock2.advance(600);
    await until(() => informer2.hasSynced(), 'the LIST fallback');
    expect(quiet.listCalls).toHaveLength(1);
    expect(informer2.indexer.listKeys()).toEqual(['ns/x']);
    expect(errors.map(([source, err]) => `${source}: ${String(err)}`)).toEqual([
      'watch-list: Error: informer: watch-list gave up: Error: no initial event and no initial-events-end bookmark for 1000 ms',
    ]);
    stop2.abort();
    await running2;
  });

  it('replaces a watch that carried bookmarks and then went silent, but not a quiet one without bookmarks', async () => {
    const clock = new FakeClock();
    const lw = new PushListWatch(list('7', [cm('x', '7')]));
    const errors: [string, unknown][] = [];
    const informer = new SharedIndexInformer(lw, {
      clock,
      reflector: { backoff: { initialMs: 10, jitter: 0 } },
      onError: (err, source) => errors.push([source, err]),
    });
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    await clock.advance(0);
    expect(lw.watchCalls).toHaveLength(1);
    // No bookmark yet: ten silent minutes are left to the transport's own inactivity limit.
    await clock.advance(600_000);
    expect(lw.watchCalls).toHaveLength(1);
    lw.push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '8' } } });
    await clock.advance(120_000);
    expect(lw.watchCalls).toHaveLength(1);
    // Two check periods without a bookmark after bookmarks had been coming: presumed half-open.
    await clock.advance(120_000);
    await clock.advance(20);
    expect(lw.watchCalls).toHaveLength(2);
    expect(lw.watchCalls[1]?.resourceVersion).toBe('8');
    expect(lw.listCalls).toHaveLength(1);
    expect(errors.map(([source, err]) => [source, (err as { code?: string }).code])).toEqual([
      ['watch', 'EINACTIVE'],
    ]);
    lw.push({ type: 'ADDED', object: cm('y', '9') });
    await clock.advance(0);
    expect(informer.indexer.getByKey('ns/y')).toBeDefined();
    stop.abort();
    await running;
    expect(clock.pendingTimers()).toBe(0);
  });
});
