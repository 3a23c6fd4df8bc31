/**
 * kubekit/client: talk to the Kubernetes API. `KubeClient` is the entry point; it loads
 * credentials like kubectl, and hands out typed `ResourceClient`s for built-in resources
 * (`Pods`, `Deployments`, …) and custom ones (`resourceType<T>()` or discovery by kind).
 *
 * @packageDocumentation
 */

export * from '../apimachinery/index.js';
export { ConfigError } from '../common/errors.js';
export {
  ApiError,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isResourceVersionTooLarge,
  isTooManyRequests,
  isUnauthorized,
  TransportError,
} from './api-error.js';
export * from './builtin-resources.js';
export { Discovery, type DiscoveryOptions, NoKindMatchError, type ServerVersion } from './discovery.js';
export type { PoolOptions } from './dispatcher-pool.js';
export { KubeClient, type KubeClientOptions } from './kube-client.js';
export * from './kubeconfig/index.js';
export { defaultPageSize, type ListResult, listAll, listPages } from './pager.js';
export type {
  DeleteOptions,
  ListItemOptions,
  ListOptions,
  PatchOptions,
  PatchType,
  WatchOptions,
  WriteOptions,
} from './request-options.js';
export { ResourceClient } from './resource-client.js';
export {
  apiVersionOf,
  type KubeList,
  type KubeObject,
  type ResourceType,
  resourceType,
} from './resource-type.js';
export {
  type HttpMethod,
  type Query,
  type RateLimit,
  type RequestOptions,
  RestClient,
  type RestClientOptions,
  type StreamResponse,
} from './rest-client.js';
export { type ConflictBackoff, retryOnConflict } from './retry-on-conflict.js';
export type { WatchEvent, WatchEventType } from './watch-event.js';
