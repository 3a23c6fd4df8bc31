import { Discovery, type DiscoveryOptions } from './discovery.js';
import {
  type ConnectionConfig,
  type DefaultConnectionOptions,
  loadDefaultConnection,
} from './kubeconfig/index.js';
import { ResourceClient } from './resource-client.js';
import type { KubeObject, ResourceType } from './resource-type.js';
import { RestClient, type RestClientOptions } from './rest-client.js';

/** Options of {@link KubeClient}: the RestClient's (rate limit, retries, timeouts) plus discovery. */
export interface KubeClientOptions extends RestClientOptions {
  discovery?: DiscoveryOptions;
}

/**
 * The entry point: a connection to one cluster as one user, handing out typed
 * {@link ResourceClient}s. `KubeClient.load()` finds credentials the way kubectl does
 * (KUBECONFIG, ~/.kube/config, in-cluster service account).
 *
 * ```ts
 * const kube = await KubeClient.load();
 * const pods = await kube.resource(Pods).namespace('default').list({ labelSelector: 'app=web' });
 * ```
 */
export class KubeClient {
  readonly rest: RestClient;
  readonly discovery: Discovery;

  constructor(
    connection: ConnectionConfig,
    private readonly options: KubeClientOptions = {},
  ) {
    this.rest = new RestClient(connection, options);
    this.discovery = new Discovery(this.rest, options.discovery);
  }

  /** Connects with the default loading rules (KUBECONFIG → ~/.kube/config → in-cluster). */
  static async load(
    options: KubeClientOptions & { connection?: DefaultConnectionOptions } = {},
  ): Promise<KubeClient> {
    return new KubeClient(await loadDefaultConnection(options.connection), options);
  }

  /** The namespace the configuration selects (context or pod namespace, else `default`). */
  get defaultNamespace(): string {
    return this.rest.defaultNamespace;
  }

  /** A client of `type` across all namespaces (or of a cluster-scoped resource). */
  resource<T extends KubeObject>(type: ResourceType<T>): ResourceClient<T> {
    return new ResourceClient(this.rest, type);
  }

  /** A client for a kind found through discovery (e.g. a CRD by `apiVersion` and `kind`). */
  async resourceForKind<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    signal?: AbortSignal,
  ): Promise<ResourceClient<T>> {
    return new ResourceClient(this.rest, await this.discovery.resourceFor<T>(apiVersion, kind, signal));
  }

  /**
   * A client of the same cluster and user whose requests wait in a token bucket of their own
   * (`limit`, default: this client's) and share this client's connection pool. Give one to a
   * leader-election lock so lease renewals never queue behind a busy controller's writes, as
   * kube-controller-manager and kube-scheduler give leader election a client of its own. Close
   * it when done (the pool closes with its last client).
   */
  withRateLimit(limit: { qps: number; burst: number } = this.rest.rateLimit): KubeClient {
    return new KubeClient(this.rest.connection, { ...this.options, qps: limit.qps, burst: limit.burst });
  }

  /** Releases the shared connection pool reference. */
  close(): Promise<void> {
    return this.rest.close();
  }
}
