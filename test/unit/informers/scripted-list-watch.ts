import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { ListOptions, WatchOptions } from '../../../src/client/request-options.js';
import type { KubeList } from '../../../src/client/resource-type.js';
import type { WatchEvent } from '../../../src/client/watch-event.js';
import type { ListWatch } from '../../../src/informers/list-watch.js';

export const cm = (name: string, rv: string, extra: Partial<ConfigMap> = {}): ConfigMap => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  ...extra,
});

export type Step = WatchEvent<ConfigMap> | Error | 'hang';

/** A ListWatch that plays scripted answers: one list result per list call, one script per watch. */
export class ScriptedListWatch implements ListWatch<ConfigMap> {
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

export const list = (rv: string, items: ConfigMap[]): KubeList<ConfigMap> => ({
  metadata: { resourceVersion: rv },
  items,
});

export async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A ListWatch whose watch streams are fed by the test (`push`), one stream per watch call;
 * lists answer with `listResult`. A stream ends with its request's signal.
 */
export class PushListWatch implements ListWatch<ConfigMap> {
  readonly listCalls: ListOptions[] = [];
  readonly watchCalls: WatchOptions[] = [];
  private feed: ((event: WatchEvent<ConfigMap>) => void) | undefined;
  private readonly pending: WatchEvent<ConfigMap>[] = [];
  constructor(private readonly listResult: KubeList<ConfigMap>) {}

  async list(options: ListOptions): Promise<KubeList<ConfigMap>> {
    this.listCalls.push(options);
    return this.listResult;
  }

  /** Delivers `event` on the newest watch. */
  push(event: WatchEvent<ConfigMap>): void {
    this.pending.push(event);
    this.feed?.(event);
  }

  watch(options: WatchOptions): AsyncIterable<WatchEvent<ConfigMap>> {
    this.watchCalls.push(options);
    this.pending.length = 0;
    const self = this;
    return (async function* () {
      for (;;) {
        if (self.pending.length === 0) {
          await new Promise<void>((resolve, reject) => {
            if (options.signal?.aborted) reject(options.signal.reason);
            options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
            self.feed = () => resolve();
          });
        }
        yield self.pending.shift()!;
      }
    })();
  }
}
