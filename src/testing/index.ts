/**
 * kubekit/testing: helpers for tests of kubekit and of programs built on it — a real local
 * control plane (etcd + kube-apiserver built from the Go module proxy) and test doubles.
 *
 * @packageDocumentation
 */

export { ChaosProxy, type ChaosProxyStats, type ChaosProxyUpstream } from './chaos-proxy.js';
export {
  LocalControlPlane,
  type LocalControlPlaneOptions,
  type LocalCredentials,
} from './control-plane.js';
export { compactEtcd } from './etcd-compaction.js';
export { FakeClock, type FakeClockOptions } from './fake-clock.js';
export { FakeListWatch } from './fake-list-watch.js';
export {
  type BuildKubeLocalOptions,
  buildKubeLocal,
  kubeLocalBinaries,
  kubeLocalCoreBinaries,
} from './kube-local-build.js';
