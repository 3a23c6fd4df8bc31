import type { TestProject } from 'vitest/node';
import { buildKubeLocal, LocalControlPlane } from '../../src/testing/index.js';
import type { KubeLocalInfo } from './support/kube-local-info.js';

/**
 * Starts one real control plane for the whole integration run and hands its coordinates to
 * every test file through vitest's provide/inject. Teardown runs on success and on failure; the
 * supervisor kills the processes even if vitest itself is killed.
 */
export default async function setup(project: TestProject) {
  const logger = {
    debug: () => {},
    info: (message: string) => console.log(message),
    warn: (message: string) => console.warn(message),
    error: (message: string) => console.error(message),
  };
  // Some tests run kubectl, kube-scheduler or kube-controller-manager beside the plane.
  const binDir = await buildKubeLocal({ logger, group: 'all' });
  const started = performance.now();
  const plane = await LocalControlPlane.start({ logger, binDir });
  console.log(
    `kube-local: control plane up in ${Math.round(performance.now() - started)} ms at ${plane.server}`,
  );
  const info: KubeLocalInfo = {
    server: plane.server,
    kubeconfigPath: plane.kubeconfigPath,
    caFile: plane.caFile,
    etcdUrl: plane.etcdUrl,
    binDir: plane.binDir,
    users: plane.users,
  };
  project.provide('kubeLocal', info);
  return async () => {
    await plane.stop();
  };
}
