import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type {
  ConfigMap,
  Event as CoreEvent,
  Endpoints,
  LimitRange,
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  ReplicationController,
  ResourceQuota,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Event as EventsV1Event } from 'kubernetes-types/events/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { resourceType } from './resource-type.js';

// The built-in resources controllers use most, typed by kubernetes-types. Anything else (and
// every CRD) is one `resourceType<T>({...})` call away, or found by kind through discovery.

/** core/v1 Pods. */
export const Pods = resourceType<Pod>({
  group: '',
  version: 'v1',
  resource: 'pods',
  kind: 'Pod',
  namespaced: true,
});
/** core/v1 Services. */
export const Services = resourceType<Service>({
  group: '',
  version: 'v1',
  resource: 'services',
  kind: 'Service',
  namespaced: true,
});
/** core/v1 ConfigMaps. */
export const ConfigMaps = resourceType<ConfigMap>({
  group: '',
  version: 'v1',
  resource: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
});
/** core/v1 Secrets. */
export const Secrets = resourceType<Secret>({
  group: '',
  version: 'v1',
  resource: 'secrets',
  kind: 'Secret',
  namespaced: true,
});
/** core/v1 Namespaces (cluster-scoped). */
export const Namespaces = resourceType<Namespace>({
  group: '',
  version: 'v1',
  resource: 'namespaces',
  kind: 'Namespace',
  namespaced: false,
});
/** core/v1 Nodes (cluster-scoped). */
export const Nodes = resourceType<Node>({
  group: '',
  version: 'v1',
  resource: 'nodes',
  kind: 'Node',
  namespaced: false,
});
/** core/v1 Endpoints. */
export const EndpointsResource = resourceType<Endpoints>({
  group: '',
  version: 'v1',
  resource: 'endpoints',
  kind: 'Endpoints',
  namespaced: true,
});
/** core/v1 Events. */
export const CoreEvents = resourceType<CoreEvent>({
  group: '',
  version: 'v1',
  resource: 'events',
  kind: 'Event',
  namespaced: true,
});
/** core/v1 ServiceAccounts. */
export const ServiceAccounts = resourceType<ServiceAccount>({
  group: '',
  version: 'v1',
  resource: 'serviceaccounts',
  kind: 'ServiceAccount',
  namespaced: true,
});
/** core/v1 PersistentVolumeClaims. */
export const PersistentVolumeClaims = resourceType<PersistentVolumeClaim>({
  group: '',
  version: 'v1',
  resource: 'persistentvolumeclaims',
  kind: 'PersistentVolumeClaim',
  namespaced: true,
});
/** core/v1 PersistentVolumes (cluster-scoped). */
export const PersistentVolumes = resourceType<PersistentVolume>({
  group: '',
  version: 'v1',
  resource: 'persistentvolumes',
  kind: 'PersistentVolume',
  namespaced: false,
});
/** core/v1 ResourceQuotas. */
export const ResourceQuotas = resourceType<ResourceQuota>({
  group: '',
  version: 'v1',
  resource: 'resourcequotas',
  kind: 'ResourceQuota',
  namespaced: true,
});
/** core/v1 LimitRanges. */
export const LimitRanges = resourceType<LimitRange>({
  group: '',
  version: 'v1',
  resource: 'limitranges',
  kind: 'LimitRange',
  namespaced: true,
});
/** core/v1 ReplicationControllers. */
export const ReplicationControllers = resourceType<ReplicationController>({
  group: '',
  version: 'v1',
  resource: 'replicationcontrollers',
  kind: 'ReplicationController',
  namespaced: true,
});
/** apps/v1 Deployments. */
export const Deployments = resourceType<Deployment>({
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  kind: 'Deployment',
  namespaced: true,
});
/** apps/v1 ReplicaSets. */
export const ReplicaSets = resourceType<ReplicaSet>({
  group: 'apps',
  version: 'v1',
  resource: 'replicasets',
  kind: 'ReplicaSet',
  namespaced: true,
});
/** apps/v1 StatefulSets. */
export const StatefulSets = resourceType<StatefulSet>({
  group: 'apps',
  version: 'v1',
  resource: 'statefulsets',
  kind: 'StatefulSet',
  namespaced: true,
});
/** apps/v1 DaemonSets. */
export const DaemonSets = resourceType<DaemonSet>({
  group: 'apps',
  version: 'v1',
  resource: 'daemonsets',
  kind: 'DaemonSet',
  namespaced: true,
});
/** batch/v1 Jobs. */
export const Jobs = resourceType<Job>({
  group: 'batch',
  version: 'v1',
  resource: 'jobs',
  kind: 'Job',
  namespaced: true,
});
/** batch/v1 CronJobs. */
export const CronJobs = resourceType<CronJob>({
  group: 'batch',
  version: 'v1',
  resource: 'cronjobs',
  kind: 'CronJob',
  namespaced: true,
});
/** coordination.k8s.io/v1 Leases. */
export const Leases = resourceType<Lease>({
  group: 'coordination.k8s.io',
  version: 'v1',
  resource: 'leases',
  kind: 'Lease',
  namespaced: true,
});
/** discovery.k8s.io/v1 EndpointSlices. */
export const EndpointSlices = resourceType<EndpointSlice>({
  group: 'discovery.k8s.io',
  version: 'v1',
  resource: 'endpointslices',
  kind: 'EndpointSlice',
  namespaced: true,
});
/** events.k8s.io/v1 Events. */
export const Events = resourceType<EventsV1Event>({
  group: 'events.k8s.io',
  version: 'v1',
  resource: 'events',
  kind: 'Event',
  namespaced: true,
});
/** policy/v1 PodDisruptionBudgets. */
export const PodDisruptionBudgets = resourceType<PodDisruptionBudget>({
  group: 'policy',
  version: 'v1',
  resource: 'poddisruptionbudgets',
  kind: 'PodDisruptionBudget',
  namespaced: true,
});
/** rbac.authorization.k8s.io/v1 Roles. */
export const Roles = resourceType<Role>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  resource: 'roles',
  kind: 'Role',
  namespaced: true,
});
/** rbac.authorization.k8s.io/v1 RoleBindings. */
export const RoleBindings = resourceType<RoleBinding>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  resource: 'rolebindings',
  kind: 'RoleBinding',
  namespaced: true,
});
/** rbac.authorization.k8s.io/v1 ClusterRoles (cluster-scoped). */
export const ClusterRoles = resourceType<ClusterRole>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  resource: 'clusterroles',
  kind: 'ClusterRole',
  namespaced: false,
});
/** rbac.authorization.k8s.io/v1 ClusterRoleBindings (cluster-scoped). */
export const ClusterRoleBindings = resourceType<ClusterRoleBinding>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  resource: 'clusterrolebindings',
  kind: 'ClusterRoleBinding',
  namespaced: false,
});
/** scheduling.k8s.io/v1 PriorityClasses (cluster-scoped). */
export const PriorityClasses = resourceType<PriorityClass>({
  group: 'scheduling.k8s.io',
  version: 'v1',
  resource: 'priorityclasses',
  kind: 'PriorityClass',
  namespaced: false,
});
/** apiextensions.k8s.io/v1 CustomResourceDefinitions (cluster-scoped). */
export const CustomResourceDefinitions = resourceType<CustomResourceDefinition>({
  group: 'apiextensions.k8s.io',
  version: 'v1',
  resource: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  namespaced: false,
});
