// Helpers shared by the authentication and configuration integration tests (auth, tls,
// exec-plugin, in-cluster, kubectl-proxy). Not a test file itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject, type TestContext } from 'vitest';
import {
  type Cluster,
  KubeClient,
  KubeConfig,
  type KubeConfigOptions,
  loadKubeConfig,
  RoleBindings,
  Roles,
  ServiceAccounts,
  type User,
} from '../../../src/client/index.js';
import { clientAs } from '../support/kube.js';
import '../support/kube-local-info.js';

/** What the API server says about the caller (authentication.k8s.io/v1 SelfSubjectReview). */
export interface UserInfo {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** Asks the server who the client is authenticated (or impersonating) as. */
export async function whoAmI(kube: KubeClient): Promise<UserInfo> {
  const review = await kube.rest.request<{ status: { userInfo: UserInfo } }>({
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return review.status.userInfo;
}

/**
 * The cluster and user entries of admin's context in the kubeconfig under test: `kube-local` and
 * `admin` of the local plane's (all inline data), or those of the existing cluster's context
 * (KUBEKIT_TEST_KUBECONFIG; relative paths made absolute).
 */
export async function localEntries(): Promise<{ cluster: Cluster; admin: User }> {
  const info = inject('kubeLocal');
  const config = await loadKubeConfig({ kubeconfig: info.kubeconfigPath });
  const context = config.contexts.get(info.users.admin.context)?.context;
  if (context === undefined)
    throw new Error(`${info.kubeconfigPath} has no context "${info.users.admin.context}" (admin's)`);
  const cluster = config.clusters.get(context.cluster)?.cluster;
  if (cluster === undefined)
    throw new Error(`${info.kubeconfigPath} has no cluster "${context.cluster}" (admin's context's)`);
  const admin = context.user === undefined ? {} : config.users.get(context.user)?.user;
  if (admin === undefined)
    throw new Error(`${info.kubeconfigPath} has no user "${context.user}" (admin's context's)`);
  return { cluster, admin };
}

/**
 * The user name the server knows admin by: `kubekit-admin` on the local plane (its certificate
 * says so); against an existing cluster (KUBEKIT_TEST_KUBECONFIG), whatever the server says admin's
 * context authenticates as.
 */
export async function adminUsername(): Promise<string> {
  if (!inject('kubeLocal').external) return 'kubekit-admin';
  const admin = await clientAs('admin');
  try {
    return (await whoAmI(admin)).username;
  } finally {
    await admin.close();
  }
}

/**
 * For what the local plane always has but an existing cluster (KUBEKIT_TEST_KUBECONFIG) may not,
 * and which is no `LocalOnlyNeed` of support/kube.ts (how its kubeconfig trusts the server,
 * whether it lets anonymous requests in): skips the running test there, saying why, when `holds`
 * is false. On the local plane a false `holds` is a broken setup and fails the test.
 */
export function skipUnlessCluster(context: TestContext, holds: boolean, needs: string): void {
  if (holds) return;
  const info = inject('kubeLocal');
  if (!info.external)
    throw new Error(`"${context.task.name}" needs ${needs}, which this control plane lacks`);
  const reason = `needs ${needs}, which the cluster of KUBEKIT_TEST_KUBECONFIG (${info.external.kubeconfig}, context ${info.external.context}) does not provide`;
  console.warn(`skipped "${context.task.name}": it ${reason}`);
  context.skip(`${reason} (KUBEKIT_TEST_KUBECONFIG run)`);
}

/**
 * Whether the kubeconfig under test verifies the server against a CA bundle of its own (always so
 * for the local plane), so that leaving that CA out makes verification fail.
 */
export function verifiesWithOwnCa(): boolean {
  const info = inject('kubeLocal');
  return info.caFile !== '' && !info.external?.insecureSkipVerify;
}

/** A cluster entry without the settings that say how to trust the server's certificate. */
export function withoutTrust(cluster: Cluster): Cluster {
  const {
    'certificate-authority-data': _data,
    'certificate-authority': _file,
    'insecure-skip-tls-verify': _insecure,
    ...rest
  } = cluster;
  return rest;
}

/** A one-context kubeconfig (as a KubeConfig) with the given cluster and user entries. */
export function singleContextConfig(
  cluster: Cluster,
  user: User | undefined,
  options: KubeConfigOptions = {},
): KubeConfig {
  return KubeConfig.fromObject(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster }],
      users: user === undefined ? [] : [{ name: 'u', user }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', ...(user === undefined ? {} : { user: 'u' }) } }],
      'current-context': 'ctx',
    },
    options,
  );
}

/** A client for a one-context kubeconfig, rate limit off. */
export function clientFor(cluster: Cluster, user: User | undefined, options: KubeConfigOptions = {}) {
  return new KubeClient(singleContextConfig(cluster, user, options).connectionConfig(), { qps: -1 });
}

/**
 * A real ServiceAccount token from the TokenRequest API, issued by the test apiserver. With
 * `audiences` other than the apiserver's own, the token is genuine but the apiserver rejects it.
 */
export async function serviceAccountToken(
  admin: KubeClient,
  namespace: string,
  sa: string,
  audiences?: string[],
): Promise<string> {
  const res = await admin
    .resource(ServiceAccounts)
    .namespace(namespace)
    .createSubresource<{ status: { token: string } }>(sa, 'token', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 600, ...(audiences === undefined ? {} : { audiences }) },
    });
  if (!res.status?.token) throw new Error(`TokenRequest for ${namespace}/${sa} returned no token`);
  return res.status.token;
}

/** Creates a ServiceAccount (the namespace's `default` one already exists). */
export async function createServiceAccount(
  admin: KubeClient,
  namespace: string,
  name: string,
): Promise<void> {
  await admin.resource(ServiceAccounts).namespace(namespace).create({ metadata: { name } });
}

/** A Role allowing get/list/watch on ConfigMaps, bound to `subject` (a User or a ServiceAccount). */
export async function grantConfigMapRead(
  admin: KubeClient,
  namespace: string,
  name: string,
  subject: { kind: 'User'; name: string } | { kind: 'ServiceAccount'; name: string },
): Promise<void> {
  await admin
    .resource(Roles)
    .namespace(namespace)
    .create({
      metadata: { name },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
    });
  await admin
    .resource(RoleBindings)
    .namespace(namespace)
    .create({
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [
        subject.kind === 'User'
          ? { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: subject.name }
          : { kind: 'ServiceAccount', name: subject.name, namespace },
      ],
    });
}

/**
 * Retries `fn` until it resolves (short real polling, bounded): for effects the apiserver applies
 * asynchronously, such as a new RoleBinding reaching the RBAC authorizer's cache. Rethrows the
 * last failure when the bound passes.
 */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (performance.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** A temporary directory removed by the returned `remove()`. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `kubekit-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * What a pod would be given to reach the API server under test (`KUBERNETES_SERVICE_HOST`,
 * `_PORT`), and the server URL in-cluster configuration makes of them; undefined when the
 * server's URL has a path, which in-cluster configuration cannot express.
 */
export function serviceEnv():
  | { env: { KUBERNETES_SERVICE_HOST: string; KUBERNETES_SERVICE_PORT: string }; server: string }
  | undefined {
  const url = new URL(inject('kubeLocal').server);
  if (url.pathname !== '/' || url.search !== '' || url.protocol !== 'https:') return undefined;
  const port = url.port || '443';
  // The kubelet sets a bare IPv6 address; in-cluster configuration adds the brackets.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    env: { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port },
    server: `https://${url.hostname}:${port}`,
  };
}
