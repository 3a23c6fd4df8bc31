import { isGone } from './api-error.js';
import type { ListOptions } from './request-options.js';
import type { ResourceClient } from './resource-client.js';
import type { KubeList, KubeObject } from './resource-type.js';

/** Default page size, as client-go's pager and reflector use. */
export const defaultPageSize = 500;

/**
 * Lists page by page (`limit`/`continue`), yielding each page as it arrives. A continue token
 * that expired (410) ends the iteration with that error: pages already yielded cannot be taken
 * back, so use {@link listAll} when one consistent result is needed.
 */
export async function* listPages<T extends KubeObject>(
  client: ResourceClient<T>,
  options: ListOptions = {},
): AsyncGenerator<KubeList<T>, void, undefined> {
  let continueToken: string | undefined = options.continue;
  const limit = options.limit ?? defaultPageSize;
  do {
    // A resourceVersion applies to the first page only; the continue token pins the rest.
    const page = await client.list({
      ...options,
      limit,
      continue: continueToken,
      ...(continueToken ? { resourceVersion: undefined, resourceVersionMatch: undefined } : {}),
    });
    yield page;
    continueToken = page.metadata?.continue || undefined;
  } while (continueToken);
}

/** Every item of a list, with the list's resourceVersion (to watch from). */
export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
  /** True when a continue token expired and the result came from one unpaged list instead. */
  fellBackToFullList: boolean;
}

/**
 * Lists everything in pages. When a continue token expires half way (410 Gone, the snapshot
 * was compacted), it starts over with one unpaged list — as client-go's pager does — so the
 * result is always one consistent snapshot.
 */
export async function listAll<T extends KubeObject>(
  client: ResourceClient<T>,
  options: ListOptions = {},
): Promise<ListResult<T>> {
  const items: T[] = [];
  let resourceVersion = '';
  let pages = 0;
  try {
    for await (const page of listPages(client, options)) {
      pages++;
      for (const item of page.items) items.push(item);
      resourceVersion = page.metadata?.resourceVersion ?? '';
    }
    return { items, resourceVersion, fellBackToFullList: false };
  } catch (err) {
    if (!(isGone(err) && pages > 0)) throw err;
  }
  const full = await client.list({ ...options, limit: undefined, continue: undefined });
  return {
    items: full.items,
    resourceVersion: full.metadata?.resourceVersion ?? '',
    fellBackToFullList: true,
  };
}
