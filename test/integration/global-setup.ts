import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { KubeClient, loadKubeConfig } from '../../src/client/index.js';
import { buildKubeLocal, LocalControlPlane, type LocalCredentials } from '../../src/testing/index.js';
import type { KubeLocalInfo } from './support/kube-local-info.js';

type SetupLogger = {
  debug: (message: string) => void;
  info: (message: string) => void;
  warn: (message: string) => void;
  error: (message: string) => void;
};

/**
 * Starts one real control plane for the whole integration run and hands its coordinates to
 * every test file through vitest's provide/inject. Teardown runs on success and on failure; the
 * supervisor kills the processes even if vitest itself is killed.
 *
 * With `KUBEKIT_TEST_KUBECONFIG=<kubeconfig file>` (and optionally `KUBEKIT_TEST_CONTEXT`) the
 * run uses that existing cluster instead: nothing is built or started, and the coordinates come
 * from the kubeconfig (see {@link useExistingCluster}).
 */
export default async function setup(project: TestProject) {
  const logger: SetupLogger = {
    debug: () => {},
    info: (message: string) => console.log(message),
    warn: (message: string) => console.warn(message),
    error: (message: string) => console.error(message),
  };
  const external = process.env.KUBEKIT_TEST_KUBECONFIG;
  if (external) return useExistingCluster(project, external, process.env.KUBEKIT_TEST_CONTEXT, logger);

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

/**
 * Points the run at an existing cluster: its kubeconfig's context (KUBEKIT_TEST_CONTEXT, else the
 * current one) becomes the `admin` user. Its CA and client certificate (also one an exec plugin
 * returns) are written to a private temporary folder, and a bearer token it yields now is passed
 * on, for the tests that speak plain HTTPS or run a ChaosProxy. There is no etcd, no
 * tools/kube-local binaries and no restricted users: tests that need them skip themselves, saying
 * why (support/kube.ts `skipUnlessAvailable`).
 */
async function useExistingCluster(
  project: TestProject,
  kubeconfigSetting: string,
  contextSetting: string | undefined,
  logger: SetupLogger,
) {
  const kubeconfig = resolve(kubeconfigSetting);
  const config = await loadKubeConfig({ kubeconfig, ...(contextSetting ? { context: contextSetting } : {}) });
  const context = config.currentContext;
  if (!context) {
    throw new Error(
      `KUBEKIT_TEST_KUBECONFIG=${kubeconfig} has no current-context; set KUBEKIT_TEST_CONTEXT to one of its contexts.`,
    );
  }
  const connection = config.connectionConfig();
  const signal = AbortSignal.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'kubekit-existing-cluster-'));
  try {
    const write = (name: string, data: Buffer) => {
      const file = join(dir, name);
      writeFileSync(file, data, { mode: 0o600 });
      return file;
    };
    const admin: LocalCredentials = { context };
    const certificate =
      connection.tls.cert && connection.tls.key
        ? { cert: connection.tls.cert, key: connection.tls.key }
        : await connection.auth.clientCertificate?.(signal);
    if (certificate) {
      admin.certFile = write('admin.crt', certificate.cert);
      admin.keyFile = write('admin.key', certificate.key);
    }
    const authorization = await connection.auth.authorization(signal);
    if (authorization?.startsWith('Bearer ')) admin.token = authorization.slice('Bearer '.length);

    // Fail here, once, with a clear message rather than in every file when it is unreachable.
    const kube = await KubeClient.load({ connection: { kubeconfig, context } });
    let version: string;
    try {
      version = (await kube.discovery.serverVersion(signal)).gitVersion;
    } catch (err) {
      throw new Error(
        `KUBEKIT_TEST_KUBECONFIG: cannot reach ${connection.server} (context ${context}): ${(err as Error).message}`,
      );
    } finally {
      await kube.close();
    }
    const absent: LocalCredentials = { context: '' };
    const info: KubeLocalInfo = {
      server: connection.server,
      kubeconfigPath: kubeconfig,
      caFile: connection.tls.ca ? write('ca.crt', connection.tls.ca) : '',
      etcdUrl: '',
      binDir: '',
      users: {
        admin,
        restricted: absent,
        token: absent,
        scheduler: absent,
        'controller-manager': absent,
      },
      external: {
        kubeconfig,
        context,
        insecureSkipVerify: connection.tls.insecureSkipVerify,
        ...(connection.tls.serverName ? { tlsServerName: connection.tls.serverName } : {}),
      },
    };
    logger.info(
      `kube-local: KUBEKIT_TEST_KUBECONFIG is set, so no control plane is built or started; testing ` +
        `${connection.server} (${version}, context ${context} of ${kubeconfig}). Tests that need the ` +
        "local plane's etcd, binaries or restricted users skip themselves and say why.",
    );
    project.provide('kubeLocal', info);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return async () => {
    rmSync(dir, { recursive: true, force: true });
  };
}
