/**
 * kubekit/informers: watch-backed, indexed caches shared between controllers — client-go's
 * tools/cache re-done for Node: Reflector, DeltaFIFO, Indexer, SharedIndexInformer, factory
 * and listers.
 *
 * @packageDocumentation
 */
export type { BackoffOptions } from '../common/backoff.js';
export {
  type ClientNodeErrorCallback,
  ClientNodeInformer,
  type ClientNodeInformerEvents,
  type ClientNodeInformerOptions,
  type ClientNodeInformerVerb,
  type ClientNodeObjectCallback,
  type ClientNodeOwnedInformerOptions,
  makeClientNodeInformer,
} from './client-node-informer.js';
export {
  IndexConflictError,
  IndexError,
  IndexFuncError,
  IndexNotFoundError,
  KeyError,
  TransformError,
} from './errors.js';
export type {
  HandlerOptions,
  ResourceEventHandler,
  ResourceEventHandlerRegistration,
} from './event-handler.js';
export {
  type InformerOptions,
  SharedInformerFactory,
  type SharedInformerFactoryOptions,
} from './factory.js';
export {
  DeletedFinalStateUnknown,
  deletionHandlingMetaNamespaceKeyFunc,
  type KeyFunc,
  metaNamespaceKeyFunc,
  splitMetaNamespaceKey,
} from './keys.js';
export { type ListWatch, type ListWatchOptions, listWatchFor } from './list-watch.js';
export { Lister, NamespaceLister, type SelectorInput } from './lister.js';
export {
  HANDLER_METRICS_UPDATE_PERIOD_MS,
  type InformerErrorSource,
  type InformerMetricsProvider,
} from './metrics.js';
export {
  PrometheusInformerMetricsProvider,
  type PrometheusInformerMetricsProviderOptions,
} from './prometheus-metrics.js';
export {
  Reflector,
  type ReflectorOptions,
  type ReflectorPhase,
  type ReflectorStats,
  type ReflectorStore,
} from './reflector.js';
export { SharedIndexInformer, type SharedIndexInformerOptions } from './shared-informer.js';
export {
  type Indexer,
  type Indexers,
  type IndexFunc,
  metaNamespaceIndexFunc,
  NamespaceIndex,
  newIndexer,
  type Store,
} from './store.js';
export { stripManagedFields } from './transforms.js';
export { type Syncable, waitForCacheSync } from './wait-for-cache-sync.js';
