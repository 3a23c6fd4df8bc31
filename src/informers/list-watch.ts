import type { ListItemOptions, ListOptions, WatchOptions } from '../client/request-options.js';
import type { ResourceClient } from '../client/resource-client.js';
import type { KubeList, KubeObject } from '../client/resource-type.js';
import type { WatchEvent } from '../client/watch-event.js';

/**
 * The two calls a Reflector needs: list (one page) and watch. Usually made from a
 * ResourceClient with {@link listWatchFor}; tests may supply their own. `list` may apply
 * `transformItem` to items as it decodes them (the Reflector passes the informer's transform so
 * a large list never holds every untransformed object); an implementation that ignores it is
 * still correct, as the Reflector transforms whatever was not.
 */
export interface ListWatch<T> {
  list(options: ListOptions & ListItemOptions<T>): Promise<KubeList<T>>;
  watch(options: WatchOptions): AsyncIterable<WatchEvent<T>>;
}

/** Narrows what a {@link ListWatch} sees. */
export interface ListWatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Last say over every list and watch request (e.g. add a selector computed at runtime). */
  tweakListOptions?: <O extends ListOptions | WatchOptions>(options: O) => O;
}

/**
 * A {@link ListWatch} over a resource client (its namespace scope, or all namespaces), with
 * the selectors applied to both calls so the list and the watch always agree.
 */
export function listWatchFor<T extends KubeObject>(
  client: ResourceClient<T>,
  options: ListWatchOptions = {},
): ListWatch<T> {
  const narrow = <O extends ListOptions | WatchOptions>(o: O): O => {
    const withSelectors = {
      ...o,
      ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
      ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}),
    };
    return options.tweakListOptions ? options.tweakListOptions(withSelectors) : withSelectors;
  };
  return {
    list: (o) => client.list(narrow(o)),
    watch: (o) => client.watch(narrow(o)),
  };
}
