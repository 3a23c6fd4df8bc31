import type { APIResourceList } from 'kubernetes-types/meta/v1.js';
import { LRUCache } from 'lru-cache';
import { isNotFound } from './api-error.js';
import { type KubeObject, type ResourceType, resourceType } from './resource-type.js';
import type { RestClient } from './rest-client.js';

/** What `/version` reports. */
export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit?: string;
  platform?: string;
  [key: string]: unknown;
}

/** No resource of the asked kind is served (yet): a missing CRD, a typo, a wrong apiVersion. */
export class NoKindMatchError extends Error {
  override name = 'NoKindMatchError';
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(`the server serves no resource of kind "${kind}" in "${apiVersion}"`);
  }
}

/** Options of {@link Discovery}. */
export interface DiscoveryOptions {
  /** How many group versions to keep (default 256). */
  maxGroupVersions?: number;
  /** How long a group version's resource list is trusted, in ms (default 10 minutes). */
  ttlMs?: number;
}

/**
 * Resolves kinds to resources (`apps/v1` + `Deployment` → `deployments`, namespaced) from the
 * server's discovery documents, cached per group version (lru-cache) and refreshed once on a
 * miss, so a CRD installed after the first lookup is still found.
 */
export class Discovery {
  private readonly cache: LRUCache<string, APIResourceList>;

  constructor(
    private readonly rest: RestClient,
    options: DiscoveryOptions = {},
  ) {
    this.cache = new LRUCache({ max: options.maxGroupVersions ?? 256, ttl: options.ttlMs ?? 600_000 });
  }

  /** The server's version (`/version`). */
  serverVersion(signal?: AbortSignal): Promise<ServerVersion> {
    return this.rest.request<ServerVersion>({ method: 'GET', path: '/version', signal });
  }

  /** The resources one group version serves (`/api/v1` or `/apis/<group>/<version>`), cached. */
  async resources(
    apiVersion: string,
    options: { refresh?: boolean; signal?: AbortSignal } = {},
  ): Promise<APIResourceList> {
    if (!options.refresh) {
      const cached = this.cache.get(apiVersion);
      if (cached) return cached;
    }
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const list = await this.rest.request<APIResourceList>({ method: 'GET', path, signal: options.signal });
    this.cache.set(apiVersion, list);
    return list;
  }

  /** The {@link ResourceType} serving `kind` in `apiVersion`; throws {@link NoKindMatchError} when none does. */
  async resourceFor<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    signal?: AbortSignal,
  ): Promise<ResourceType<T>> {
    for (const refresh of [false, true]) {
      let list: APIResourceList;
      try {
        list = await this.resources(apiVersion, { refresh, signal });
      } catch (err) {
        if (isNotFound(err)) {
          if (refresh) throw new NoKindMatchError(apiVersion, kind);
          continue;
        }
        throw err;
      }
      // Subresources (`deployments/scale`) share the kind of other things; skip them.
      const found = list.resources.find((r) => r.kind === kind && !r.name.includes('/'));
      if (found) {
        const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
        return resourceType<T>({
          group: group ?? '',
          version: version ?? '',
          resource: found.name,
          kind,
          namespaced: found.namespaced,
        });
      }
    }
    throw new NoKindMatchError(apiVersion, kind);
  }

  /** Forgets everything cached. */
  invalidate(): void {
    this.cache.clear();
  }
}
