import { isGone, isResourceVersionTooLarge, isTooManyRequests, TransportError } from '../client/api-error.js';
import { defaultPageSize } from '../client/pager.js';
import type { KubeObject } from '../client/resource-type.js';
import type { WatchEvent } from '../client/watch-event.js';
import { Backoff, type BackoffOptions } from '../common/backoff.js';
import { type Clock, type ClockTimer, realClock } from '../common/clock.js';
import { type Logger, silentLogger } from '../common/logger.js';
import { EarlyTransform } from './early-transform.js';
import type { ListWatch } from './list-watch.js';

/** What a Reflector writes into: a DeltaFIFO, or any store with the same calls. */
export interface ReflectorStore<T> {
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
  /** With `early`, the items went through `transformEarly` (see DeltaFIFO.replace). */
  replace(items: T[], resourceVersion: string, early?: { failed: ReadonlySet<T> }): void;
  /** The store's transform for listed items, applied as they are decoded (see DeltaFIFO.transformEarly). */
  transformEarly?(obj: T, failed: Set<T>): T;
  resync?(): void;
}

/** An open watch with its own abort (for the watchdog), linked to the run's signal until unlinked. */
interface OpenWatch<T> {
  stream: AsyncIterator<WatchEvent<T>>;
  abort(reason: unknown): void;
  /** Detaches it from the run's signal; idempotent. */
  unlink(): void;
}

/** Where a reflector error happened, for {@link ReflectorOptions.onError}. */
export type ReflectorPhase = 'list' | 'watch' | 'watch-list' | 'event';

/** Counters of what a Reflector did; read them for metrics, health checks and tests. */
export interface ReflectorStats {
  /** Successful LISTs (or watch-list initial syncs), the first included. */
  lists: number;
  /** Lists after the first: each one follows a 410 or an error. */
  relists: number;
  /** Watch requests started. */
  watches: number;
  /** ADDED/MODIFIED/DELETED events applied. */
  events: number;
  bookmarks: number;
  /** Errors reported through onError. */
  errors: number;
}

/** Options of a {@link Reflector}. Defaults follow client-go. */
export interface ReflectorOptions {
  /** Name in log lines and errors (default `reflector`). */
  name?: string;
  /** LIST page size (default 500). */
  pageSize?: number;
  /** How often to ask `shouldResync` (0 = never, the default). */
  resyncPeriodMs?: number;
  /** Decides at each resync tick whether to call `store.resync()` (default: always). */
  shouldResync?: () => boolean;
  /** Server-side watch timeout is drawn uniformly from this range, in seconds (default [300, 600]). */
  watchTimeoutSeconds?: [number, number];
  /**
   * A watch that delivers nothing (no event, no bookmark) for this long is presumed dead — a
   * half-open connection — and replaced (default: its server-side timeout plus 30 s, which no
   * healthy watch can exceed).
   */
  inactivityTimeoutMs?: number;
  /**
   * A watch that has carried a bookmark (kube-apiserver's watch cache sends one a minute) and
   * then delivers nothing for this long is presumed half-open and replaced, long before
   * `inactivityTimeoutMs` would notice (default 120 s; checked once per period, so it is noticed
   * within twice that; 0 turns it off). Watches that never carried a bookmark (no watch cache)
   * are judged by `inactivityTimeoutMs` alone.
   */
  bookmarkInactivityTimeoutMs?: number;
  /** Backoff between failed attempts (default 800 ms doubling to 30 s, jitter 1.0, reset after 2 min). */
  backoff?: Partial<BackoffOptions>;
  /**
   * Sync with watch-list streaming (`sendInitialEvents`) instead of LIST. Any error, or
   * `watchListTimeoutMs` without progress towards the end bookmark, falls back to LIST for that
   * attempt.
   */
  useWatchList?: boolean;
  /**
   * How long a watch-list sync may go without an initial event before it gives up (default
   * 60 s); a sync that keeps streaming may take longer.
   */
  watchListTimeoutMs?: number;
  /** Called for every error; the reflector always carries on. Default: a warning on the logger. */
  onError?: (err: unknown, phase: ReflectorPhase) => void;
  /** Called each time one of {@link Reflector.stats} goes up by one (the informer's metrics hook). */
  onStat?: (stat: keyof ReflectorStats) => void;
  logger?: Logger;
  clock?: Clock;
  /** Random source in [0, 1) for timeouts and jitter (tests pin it). */
  random?: () => number;
}

const initialEventsEnd = 'k8s.io/initial-events-end';

/**
 * Stream failures that are about the data, not the connection: a line that is no watch event
 * (garbage, an unknown event type), an event over the size limit, a body cut inside an event.
 */
const undecodable = new Set(['EBADEVENT', 'EEVENTTOOLARGE', 'ETRUNCATED']);

/**
 * Keeps a store in step with the server, like client-go's Reflector: LIST (paged), then WATCH
 * from the list's resourceVersion with bookmarks, forever. A watch that ends normally or breaks
 * is resumed from the last resourceVersion seen, so no event is lost and nothing is listed
 * twice; a 410 Gone relists. The first LIST asks for resourceVersion "0" (any, from the watch
 * cache); later ones for the last one seen; "" (a consistent read) only after a LIST itself was
 * told that version is gone or too large. Failures back off 800 ms → 30 s with jitter, reset
 * after 2 minutes of health. `run()` never throws: errors go to `onError` and it retries until
 * its signal aborts.
 */
export class Reflector<T extends KubeObject> {
  /** Counters for metrics and tests. */
  readonly stats: ReflectorStats = { lists: 0, relists: 0, watches: 0, events: 0, bookmarks: 0, errors: 0 };
  private lastSyncRV = '';
  private lastSyncRVUnavailable = false;
  private readonly name: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly backoff: Backoff;

  constructor(
    private readonly listWatch: ListWatch<T>,
    private readonly store: ReflectorStore<T>,
    private readonly options: ReflectorOptions = {},
  ) {
    this.name = options.name ?? 'reflector';
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? silentLogger;
    this.random = options.random ?? Math.random;
    this.backoff = new Backoff(
      { initialMs: 800, maxMs: 30_000, factor: 2, jitter: 1, resetAfterMs: 120_000, ...options.backoff },
      this.clock,
      this.random,
    );
  }

  /** The resourceVersion of the last list, event or bookmark applied to the store. */
  get lastSyncResourceVersion(): string {
    return this.lastSyncRV;
  }

  /** Lists and watches until `signal` aborts; resolves then. Never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    const resync = this.startResyncLoop(signal);
    try {
      while (!signal.aborted) {
        try {
          await this.listAndWatch(signal);
        } catch (err) {
          if (signal.aborted) break;
          this.report(err, 'watch');
        }
        if (signal.aborted) break;
        await this.clock.sleep(this.backoff.next(), signal).catch(() => {});
      }
    } finally {
      resync.cancel();
    }
  }

  private count(stat: keyof ReflectorStats): void {
    this.stats[stat]++;
    const onStat = this.options.onStat;
    if (onStat === undefined) return;
    try {
      onStat(stat);
    } catch (err) {
      this.logger.error(`${this.name}: onStat threw`, { error: String(err) });
    }
  }

  private report(err: unknown, phase: ReflectorPhase): void {
    this.count('errors');
    try {
      if (this.options.onError) this.options.onError(err, phase);
      else this.logger.warn(`${this.name}: ${phase} failed`, { error: String(err) });
    } catch (handlerError) {
      // A throwing error handler must not take the reflector down with it.
      this.logger.error(`${this.name}: onError threw`, { error: String(handlerError) });
    }
  }

  /** One LIST followed by watches until something needs a relist. */
  private async listAndWatch(signal: AbortSignal): Promise<void> {
    let synced: OpenWatch<T> | undefined;
    if (this.options.useWatchList) {
      synced = await this.watchList(signal).catch((err: unknown) => {
        if (signal.aborted) throw err;
        this.report(err, 'watch-list');
        return undefined;
      });
    }
    if (!synced) {
      try {
        await this.list(signal);
      } catch (err) {
        if (!signal.aborted) this.report(err, 'list');
        return;
      }
    }
    try {
      await this.watchLoop(signal, synced);
    } finally {
      // watchLoop unlinks every stream it ends; this covers a signal aborted before it began.
      synced?.unlink();
    }
  }

  private relistResourceVersion(): string {
    if (this.lastSyncRVUnavailable) return '';
    return this.lastSyncRV || '0';
  }

  private async list(signal: AbortSignal): Promise<void> {
    let resourceVersion = this.relistResourceVersion();
    for (;;) {
      try {
        const early = this.earlyTransform();
        const { items, resourceVersion: listRV } = await this.listAllPages(resourceVersion, signal, early);
        this.store.replace(items, listRV, early);
        this.noteSynced(listRV);
        return;
      } catch (err) {
        // The version we asked for is gone or not yet known here: a consistent read ("") can
        // always be served, so retry at once with it rather than backing off.
        if (resourceVersion !== '' && (isGone(err) || isResourceVersionTooLarge(err))) {
          this.lastSyncRVUnavailable = true;
          resourceVersion = '';
          this.report(err, 'list');
          continue;
        }
        throw err;
      }
    }
  }

  private async listAllPages(
    resourceVersion: string,
    signal: AbortSignal,
    early: EarlyTransform<T> | undefined,
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const transformItem = early ? { transformItem: early.item } : {};
    const limit = this.options.pageSize ?? defaultPageSize;
    const items: T[] = [];
    let continueToken: string | undefined;
    let listRV = '';
    do {
      let page: Awaited<ReturnType<ListWatch<T>['list']>>;
      try {
        page = await this.listWatch.list({
          limit,
          signal,
          ...transformItem,
          // A bare resourceVersion with a limit means "exactly this version" (served from
          // etcd, possibly long ago); NotOlderThan keeps a relist from going back in time and
          // lets the watch cache answer.
          ...(continueToken
            ? { continue: continueToken }
            : resourceVersion === '' || resourceVersion === '0'
              ? { resourceVersion }
              : { resourceVersion, resourceVersionMatch: 'NotOlderThan' as const }),
        });
      } catch (err) {
        // A continue token that expired half way: start over with one unpaged, consistent
        // list, as client-go's pager does, so the store sees one snapshot.
        if (continueToken && isGone(err)) {
          early?.reset();
          const full = await this.listWatch.list({ resourceVersion: '', signal, ...transformItem });
          return {
            items: early ? early.settle(full.items) : full.items,
            resourceVersion: full.metadata?.resourceVersion ?? '',
          };
        }
        throw err;
      }
      for (const item of early ? early.settle(page.items) : page.items) items.push(item);
      listRV = page.metadata?.resourceVersion ?? listRV;
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
    return { items, resourceVersion: listRV };
  }

  /** A fresh early transform for one list attempt (none when the store has no such call). */
  private earlyTransform(): EarlyTransform<T> | undefined {
    const store = this.store;
    return store.transformEarly
      ? new EarlyTransform<T>({ transformEarly: (obj, failed) => store.transformEarly!(obj, failed) })
      : undefined;
  }

  private noteSynced(resourceVersion: string): void {
    if (this.stats.lists > 0) this.count('relists');
    this.count('lists');
    this.lastSyncRV = resourceVersion;
    this.lastSyncRVUnavailable = false;
  }

  /**
   * Watch-list: one watch that first streams the current state, ending with a bookmark
   * annotated initial-events-end; the store is replaced with that state and the same stream
   * goes on as an ordinary watch. Returns the stream to continue, or throws to fall back to LIST.
   */
  private async watchList(signal: AbortSignal): Promise<OpenWatch<T>> {
    const attempt = new AbortController();
    const onAbort = () => attempt.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const unlink = () => signal.removeEventListener('abort', onAbort);
    const limitMs = this.options.watchListTimeoutMs ?? 60_000;
    let timedOut = false;
    // A limit on silence, not on the whole sync: a large collection may stream for longer than
    // the limit as long as events keep coming.
    let progress = 0;
    const timer = whenStalled(
      this.clock,
      limitMs,
      () => progress,
      () => {
        timedOut = true;
        attempt.abort(new Error(`no initial event and no initial-events-end bookmark for ${limitMs} ms`));
      },
    );
    let stream: AsyncIterator<WatchEvent<T>> | undefined;
    const items: T[] = [];
    let keepLinked = false;
    try {
      const early = this.earlyTransform();
      stream = this.openWatch(this.lastSyncRVUnavailable ? '' : this.lastSyncRV, attempt.signal, true);
      for (;;) {
        const next = await stream.next();
        if (next.done) throw new Error('the watch-list stream ended before its initial-events-end bookmark');
        const event = next.value;
        progress++;
        if (event.type === 'ADDED') {
          items.push(early ? early.apply(event.object) : event.object);
        } else if (
          event.type === 'BOOKMARK' &&
          event.object.metadata?.annotations?.[initialEventsEnd] === 'true'
        ) {
          const rv = event.object.metadata?.resourceVersion ?? '';
          this.store.replace(items, rv, early);
          this.noteSynced(rv);
          timer.cancel();
          // The stream lives on as the ordinary watch: it must still end when `signal` aborts,
          // so the caller unlinks it only once it is done with it.
          keepLinked = true;
          return { stream, unlink, abort: (reason) => attempt.abort(reason) };
        } else if (event.type !== 'BOOKMARK') {
          throw new Error(`unexpected ${event.type} event before the initial-events-end bookmark`);
        }
      }
    } catch (err) {
      await stream?.return?.(undefined).catch(() => {});
      if (timedOut && !signal.aborted)
        throw new Error(`${this.name}: watch-list gave up: ${String(attempt.signal.reason)}`);
      throw err;
    } finally {
      timer.cancel();
      if (!keepLinked) unlink();
    }
  }

  /** An ordinary watch from `resourceVersion`, abortable on its own. */
  private openLinkedWatch(resourceVersion: string, signal: AbortSignal): OpenWatch<T> {
    const own = new AbortController();
    const onAbort = () => own.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    return {
      stream: this.openWatch(resourceVersion, own.signal),
      abort: (reason) => own.abort(reason),
      unlink: () => signal.removeEventListener('abort', onAbort),
    };
  }

  private openWatch(
    resourceVersion: string,
    signal: AbortSignal,
    sendInitialEvents = false,
  ): AsyncIterator<WatchEvent<T>> {
    const [minS, maxS] = this.options.watchTimeoutSeconds ?? [300, 600];
    const timeoutSeconds = Math.floor(minS + this.random() * (maxS - minS));
    this.count('watches');
    return this.listWatch
      .watch({
        resourceVersion,
        timeoutSeconds,
        allowWatchBookmarks: true,
        inactivityTimeoutMs: this.options.inactivityTimeoutMs ?? timeoutSeconds * 1000 + 30_000,
        signal,
        ...(sendInitialEvents
          ? { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' as const }
          : {}),
      })
      [Symbol.asyncIterator]();
  }

  /**
   * Watches from the last resourceVersion until a relist is needed. A watch that ends (server
   * timeout) or breaks (connection lost, half-open, one undecodable event) is resumed from where
   * it got to; 410 Gone, other API errors and a stream that breaks at the same undecodable
   * event twice return to the caller for a relist.
   */
  private async watchLoop(signal: AbortSignal, first: OpenWatch<T> | undefined): Promise<void> {
    let open = first;
    // The resourceVersion the last undecodable stream broke at: a second break there means the
    // server keeps sending the same bad event, and only a relist gets past it.
    let undecodableAt: string | undefined;
    while (!signal.aborted) {
      open ??= this.openLinkedWatch(this.lastSyncRV, signal);
      const stream = open.stream;
      const startedAt = this.clock.now();
      const progress = { received: 0, bookmarked: false };
      const watchdog = this.watchdog(progress, open);
      try {
        for (;;) {
          const next = await stream.next();
          if (next.done) break;
          progress.received++;
          if (next.value.type === 'BOOKMARK') progress.bookmarked = true;
          this.apply(next.value);
        }
        if (watchdog.fired) throw watchdog.fired;
        // A watch the server closes at once with nothing in it is a symptom (proxy, overload),
        // not a timeout: back off before trying again instead of spinning.
        if (progress.received === 0 && this.clock.now() - startedAt < 1000) {
          throw new TransportError(`${this.name}: the watch closed immediately without events`);
        }
      } catch (caught) {
        await stream.return?.(undefined).catch(() => {});
        if (signal.aborted) return;
        // Whatever the aborted read threw, a watch the watchdog ended is a broken connection.
        const err = watchdog.fired ?? caught;
        if (isGone(err)) {
          // The server no longer has the history we need: list again.
          this.logger.info(`${this.name}: watch expired, relisting`, { resourceVersion: this.lastSyncRV });
          return;
        }
        if (err instanceof TransportError || isTooManyRequests(err)) {
          this.report(err, 'watch');
          if (err instanceof TransportError && undecodable.has(err.code ?? '')) {
            if (undecodableAt === this.lastSyncRV) {
              this.logger.info(`${this.name}: the watch breaks at the same event again, relisting`, {
                resourceVersion: this.lastSyncRV,
              });
              return;
            }
            undecodableAt = this.lastSyncRV;
          }
          await this.clock.sleep(this.backoff.next(), signal).catch(() => {});
          continue;
        }
        throw err;
      } finally {
        watchdog.cancel();
        open.unlink();
        open = undefined;
      }
    }
  }

  /**
   * Ends `open` once it has carried a bookmark and then nothing for a whole check period (see
   * {@link ReflectorOptions.bookmarkInactivityTimeoutMs}).
   */
  private watchdog(
    progress: { readonly received: number; readonly bookmarked: boolean },
    open: OpenWatch<T>,
  ): { readonly fired: TransportError | undefined; cancel(): void } {
    const limitMs = this.options.bookmarkInactivityTimeoutMs ?? 120_000;
    const state: { fired: TransportError | undefined; cancel(): void } = { fired: undefined, cancel() {} };
    if (!(limitMs > 0)) return state;
    // Before the first bookmark the count is NaN, which never equals itself: only a watch that
    // has carried a bookmark can stall.
    state.cancel = whenStalled(
      this.clock,
      limitMs,
      () => (progress.bookmarked ? progress.received : Number.NaN),
      () => {
        state.fired = new TransportError(
          `${this.name}: the watch carried bookmarks, then nothing for ${limitMs} ms: presumed half-open`,
          undefined,
          'EINACTIVE',
        );
        open.abort(state.fired);
      },
    ).cancel;
    return state;
  }

  private apply(event: WatchEvent<T>): void {
    const rv = event.object?.metadata?.resourceVersion;
    if (event.type === 'BOOKMARK') {
      this.count('bookmarks');
      if (rv) this.lastSyncRV = rv;
      return;
    }
    try {
      if (event.type === 'ADDED') this.store.add(event.object);
      else if (event.type === 'MODIFIED') this.store.update(event.object);
      else this.store.delete(event.object);
      this.count('events');
    } catch (err) {
      // One bad object (no metadata, a key function that throws) is reported and skipped;
      // the watch carries on with the next event.
      this.report(err, 'event');
    }
    if (rv) this.lastSyncRV = rv;
  }

  private startResyncLoop(signal: AbortSignal): { cancel(): void } {
    const period = this.options.resyncPeriodMs ?? 0;
    if (!(period > 0) || !this.store.resync) return { cancel() {} };
    let timer = this.clock.setTimeout(tick.bind(this), period);
    function tick(this: Reflector<T>) {
      if (signal.aborted) return;
      try {
        if (this.options.shouldResync?.() ?? true) this.store.resync?.();
      } catch (err) {
        this.report(err, 'event');
      }
      timer = this.clock.setTimeout(tick.bind(this), period);
    }
    return { cancel: () => timer.cancel() };
  }
}

/**
 * Calls `onStall` once `count()` reads the same at two checks `periodMs` apart (checked every
 * period, so a stall is noticed between one and two periods after the count last moved). The
 * caller bumps a counter per event; comparing it when the timer fires costs nothing per event,
 * where re-arming a timer per event would. `cancel()` is idempotent.
 */
function whenStalled(clock: Clock, periodMs: number, count: () => number, onStall: () => void): ClockTimer {
  let seen = count();
  let timer: ClockTimer;
  const check = () => {
    const now = count();
    if (now === seen) {
      onStall();
      return;
    }
    seen = now;
    timer = clock.setTimeout(check, periodMs);
  };
  timer = clock.setTimeout(check, periodMs);
  return { cancel: () => timer.cancel() };
}
