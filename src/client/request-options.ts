import type { Query } from './rest-client.js';

/** Options of `list` (and the list half of `deleteCollection`). */
export interface ListOptions {
  /** Label selector in the API's string syntax, e.g. `app=web,tier notin (db)`. */
  labelSelector?: string;
  /** Field selector, e.g. `spec.nodeName=node-1`. */
  fieldSelector?: string;
  /** Page size; the answer carries `metadata.continue` when more remain. */
  limit?: number;
  /** Continue token from the previous page. */
  continue?: string;
  /**
   * `""` (default): the latest, read from etcd (consistent). `"0"`: any, from the watch cache
   * (fast). Other values: with `resourceVersionMatch`, exact or not older than.
   */
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  /** Server-side timeout. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

/** What `list` accepts beyond {@link ListOptions}. */
export interface ListItemOptions<T> {
  /**
   * Applied to each item as soon as it is decoded, while the rest of the list is still
   * arriving; the returned list holds its results. Drop what you do not need (e.g.
   * `managedFields`) here and a large list never holds it all at once. A throw fails the list
   * with that error.
   */
  transformItem?: (item: T) => T;
}

/** Options of `watch`. */
export interface WatchOptions extends Omit<ListOptions, 'limit' | 'continue'> {
  /** Ask for BOOKMARK events (default true): they only advance the resourceVersion. */
  allowWatchBookmarks?: boolean;
  /**
   * Watch-list streaming: the server first sends the current state as ADDED events, then a
   * BOOKMARK annotated `k8s.io/initial-events-end: "true"`. Requires
   * `resourceVersionMatch: 'NotOlderThan'` and `allowWatchBookmarks`.
   */
  sendInitialEvents?: boolean;
  /** Break the stream (TransportError) when no data arrives for this long; 0 = never (default). */
  inactivityTimeoutMs?: number;
  /** End the watch with a TransportError (`EEVENTTOOLARGE`) on an event larger than this (default 64 MiB). */
  maxEventBytes?: number;
}

/** Options shared by create, update, patch and apply. */
export interface WriteOptions {
  /** Validate and run admission, but persist nothing. */
  dryRun?: boolean;
  /** Manager name recorded in managedFields (required for apply). */
  fieldManager?: string;
  /** How the server treats unknown or duplicate fields. */
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
  signal?: AbortSignal;
}

/** Patch flavours: JSON merge (RFC 7386), JSON patch (RFC 6902), strategic merge, server-side apply. */
export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

/** Content type the API expects for each patch flavour. */
export const patchContentTypes: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** Options of `patch`. */
export interface PatchOptions extends WriteOptions {
  /** Default `merge`. */
  type?: PatchType;
  /** Apply only: take ownership of fields other managers own. */
  force?: boolean;
}

/** Options of `delete` and `deleteCollection`. */
export interface DeleteOptions {
  /** What happens to dependents: `Background` (default for most), `Foreground`, `Orphan`. */
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  /** Seconds before the object is removed; 0 = immediately. */
  gracePeriodSeconds?: number;
  /** Delete only if the object still has this UID / resourceVersion (else 409 Conflict). */
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** Query parameters of list and watch requests. */
export function listQuery(options: ListOptions & Partial<WatchOptions>, watch: boolean): Query {
  return {
    labelSelector: options.labelSelector || undefined,
    fieldSelector: options.fieldSelector || undefined,
    limit: watch ? undefined : options.limit,
    continue: watch ? undefined : options.continue || undefined,
    resourceVersion: options.resourceVersion,
    resourceVersionMatch: options.resourceVersionMatch,
    timeoutSeconds: options.timeoutSeconds,
    watch: watch ? 'true' : undefined,
    allowWatchBookmarks: watch ? (options.allowWatchBookmarks ?? true) : undefined,
    sendInitialEvents: watch ? options.sendInitialEvents : undefined,
  };
}

/** Query parameters of writes. */
export function writeQuery(options: WriteOptions & { force?: boolean }): Query {
  return {
    dryRun: options.dryRun ? 'All' : undefined,
    fieldManager: options.fieldManager,
    fieldValidation: options.fieldValidation,
    force: options.force,
  };
}

/** The `DeleteOptions` body the API takes. */
export function deleteBody(options: DeleteOptions): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    propagationPolicy: options.propagationPolicy,
    gracePeriodSeconds: options.gracePeriodSeconds,
    preconditions: options.preconditions,
    dryRun: options.dryRun ? ['All'] : undefined,
  };
}
