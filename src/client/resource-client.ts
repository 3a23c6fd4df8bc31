import type { Status } from 'kubernetes-types/meta/v1.js';
import { ConfigError } from '../common/errors.js';
import {
  type DeleteOptions,
  deleteBody,
  type ListItemOptions,
  type ListOptions,
  listQuery,
  type PatchOptions,
  patchContentTypes,
  type WatchOptions,
  type WriteOptions,
  writeQuery,
} from './request-options.js';
import {
  apiVersionOf,
  groupVersionPath,
  type KubeList,
  type KubeObject,
  type ResourceType,
} from './resource-type.js';
import type { RestClient } from './rest-client.js';
import { openWatchStream, type WatchEvent } from './watch-event.js';

/**
 * Typed access to one resource, built-in or custom: get, list, watch, create, update, patch,
 * apply, delete, deleteCollection and subresources. A client of a namespaced resource without a
 * namespace lists and watches across all namespaces and takes the namespace of the object (or
 * the config's default namespace) for single-object calls; `namespace(ns)` scopes it.
 * Immutable and cheap to create.
 */
export class ResourceClient<T extends KubeObject> {
  constructor(
    readonly rest: RestClient,
    readonly type: ResourceType<T>,
    /** The namespace this client is scoped to; undefined = all namespaces. */
    readonly scope?: string,
  ) {}

  /** A client of the same resource scoped to `namespace`. */
  namespace(namespace: string): ResourceClient<T> {
    if (!this.type.namespaced) {
      throw new ConfigError(`${this.type.resource} are cluster-scoped; do not give them a namespace.`);
    }
    return new ResourceClient(this.rest, this.type, namespace);
  }

  /** Reads one object; rejects with ApiError 404 when it does not exist. */
  get(
    name: string,
    options: { namespace?: string; resourceVersion?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    return this.rest.request<T>({
      method: 'GET',
      path: this.objectPath(name, this.nsFor(options.namespace)),
      query: { resourceVersion: options.resourceVersion },
      signal: options.signal,
    });
  }

  /** Lists one page (or everything without `limit`); items are decoded as they arrive. */
  list(options: ListOptions & ListItemOptions<T> = {}): Promise<KubeList<T>> {
    return this.rest.requestList<KubeList<T>>(
      {
        method: 'GET',
        path: this.collectionPath(this.scope),
        query: listQuery(options, false),
        signal: options.signal,
      },
      options.transformItem as ((item: unknown) => unknown) | undefined,
    );
  }

  /**
   * Watches for changes. Iterate the result; break (or abort `signal`) to close the stream. The
   * iteration ends when the server closes the watch (its timeout), and throws ApiError for an
   * ERROR event (410 Gone: relist) or TransportError when the stream breaks.
   */
  watch(options: WatchOptions = {}): AsyncIterableIterator<WatchEvent<T>> {
    const path = this.collectionPath(this.scope);
    return openWatchStream<T>(
      () =>
        this.rest.stream({
          method: 'GET',
          path,
          query: listQuery(options, true),
          signal: options.signal,
          inactivityTimeoutMs: options.inactivityTimeoutMs ?? 0,
        }),
      { method: 'WATCH', path },
      options.maxEventBytes,
    );
  }

  /** Creates `object` in the client's namespace, else the object's, else the config's default. */
  create(object: T, options: WriteOptions = {}): Promise<T> {
    return this.rest.request<T>({
      method: 'POST',
      path: this.collectionPath(this.nsFor(this.scope ?? object.metadata?.namespace)),
      query: writeQuery(options),
      body: this.withTypeMeta(object),
      signal: options.signal,
    });
  }

  /**
   * Replaces `object`. Its `metadata.resourceVersion` guards the write: if someone else wrote
   * first, the server answers 409 Conflict (see `retryOnConflict`).
   */
  update(object: T, options: WriteOptions = {}): Promise<T> {
    return this.putObject(object, undefined, options);
  }

  /** Replaces the `status` subresource of `object` (its spec is ignored by the server). */
  updateStatus(object: T, options: WriteOptions = {}): Promise<T> {
    return this.putObject(object, 'status', options);
  }

  /** Patches an object (default JSON merge patch); `subresource` e.g. `status` or `scale`. */
  patch(
    name: string,
    patch: unknown,
    options: PatchOptions & { namespace?: string; subresource?: string } = {},
  ): Promise<T> {
    const type = options.type ?? 'merge';
    if (type !== 'apply' && options.force)
      throw new ConfigError('force applies only to server-side apply patches.');
    return this.rest.request<T>({
      method: 'PATCH',
      path: this.objectPath(name, this.nsFor(options.namespace), options.subresource),
      query: writeQuery(options),
      body: patch,
      contentType: patchContentTypes[type],
      signal: options.signal,
    });
  }

  /**
   * Server-side apply: sends the fields `object` sets, owned by `fieldManager`; `force` takes
   * over fields other managers own. Creates the object when it does not exist.
   */
  apply(
    object: T,
    options: Omit<PatchOptions, 'type'> & { fieldManager: string; subresource?: string },
  ): Promise<T> {
    const name = object.metadata?.name;
    if (!name) throw new ConfigError('apply needs metadata.name on the object.');
    if (!options.fieldManager)
      throw new ConfigError('apply needs a fieldManager naming the owner of the fields.');
    return this.patch(name, this.withTypeMeta(object), {
      ...options,
      type: 'apply',
      namespace: this.scope ?? object.metadata?.namespace,
    });
  }

  /**
   * Deletes an object. Resolves with the object when deletion is pending (finalizers, grace
   * period) or with a Success Status when it is gone.
   */
  delete(name: string, options: DeleteOptions & { namespace?: string } = {}): Promise<T | Status> {
    return this.rest.request<T | Status>({
      method: 'DELETE',
      path: this.objectPath(name, this.nsFor(options.namespace)),
      body: deleteBody(options),
      signal: options.signal,
    });
  }

  /** Deletes every object the selectors match (in the client's namespace, or everywhere). */
  deleteCollection(options: DeleteOptions & Omit<ListOptions, 'signal'> = {}): Promise<KubeList<T> | Status> {
    return this.rest.request<KubeList<T> | Status>({
      method: 'DELETE',
      path: this.collectionPath(this.scope),
      query: listQuery(options, false),
      body: deleteBody(options),
      signal: options.signal,
    });
  }

  /** Reads a subresource such as `scale` or `status`. */
  getSubresource<S = unknown>(
    name: string,
    subresource: string,
    options: { namespace?: string; signal?: AbortSignal } = {},
  ): Promise<S> {
    return this.rest.request<S>({
      method: 'GET',
      path: this.objectPath(name, this.nsFor(options.namespace), subresource),
      signal: options.signal,
    });
  }

  /** Replaces a subresource (`scale`, `status`) with `body`. */
  updateSubresource<S = unknown>(
    name: string,
    subresource: string,
    body: S,
    options: WriteOptions & { namespace?: string } = {},
  ): Promise<S> {
    return this.rest.request<S>({
      method: 'PUT',
      path: this.objectPath(name, this.nsFor(options.namespace), subresource),
      query: writeQuery(options),
      body,
      signal: options.signal,
    });
  }

  /** POSTs to a subresource: `binding` (pods/binding), `eviction` (pods/eviction), … */
  createSubresource<R = unknown>(
    name: string,
    subresource: string,
    body: unknown,
    options: WriteOptions & { namespace?: string } = {},
  ): Promise<R> {
    return this.rest.request<R>({
      method: 'POST',
      path: this.objectPath(name, this.nsFor(options.namespace), subresource),
      query: writeQuery(options),
      body,
      signal: options.signal,
    });
  }

  /** The API path of the collection in `namespace` (all namespaces when undefined). */
  collectionPath(namespace: string | undefined): string {
    const base = groupVersionPath(this.type);
    if (this.type.namespaced && namespace) {
      return `${base}/namespaces/${encodeURIComponent(namespace)}/${this.type.resource}`;
    }
    return `${base}/${this.type.resource}`;
  }

  /** The API path of one object (and optionally a subresource). */
  objectPath(name: string, namespace: string | undefined, subresource?: string): string {
    if (!name) throw new ConfigError(`a ${this.type.kind} name is required.`);
    const path = `${this.collectionPath(namespace)}/${encodeURIComponent(name)}`;
    return subresource ? `${path}/${subresource}` : path;
  }

  private putObject(object: T, subresource: string | undefined, options: WriteOptions): Promise<T> {
    const name = object.metadata?.name;
    if (!name) throw new ConfigError(`update needs metadata.name on the ${this.type.kind}.`);
    return this.rest.request<T>({
      method: 'PUT',
      path: this.objectPath(name, this.nsFor(this.scope ?? object.metadata?.namespace), subresource),
      query: writeQuery(options),
      body: this.withTypeMeta(object),
      signal: options.signal,
    });
  }

  private nsFor(explicit: string | undefined): string | undefined {
    if (!this.type.namespaced) return undefined;
    return explicit || this.scope || this.rest.defaultNamespace;
  }

  // The API rejects writes whose apiVersion/kind are missing for apply and accepts them for the
  // rest; filling them in lets callers pass plain objects.
  private withTypeMeta(object: T): T {
    if (object.apiVersion && object.kind) return object;
    return {
      ...object,
      apiVersion: object.apiVersion ?? apiVersionOf(this.type),
      kind: object.kind ?? this.type.kind,
    };
  }
}
