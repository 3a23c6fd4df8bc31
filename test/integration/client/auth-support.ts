// Helpers shared by the authentication and configuration integration tests (auth, tls,
// exec-plugin, in-cluster, kubectl-proxy). Not a test file itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
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

/** The cluster entry and user entries of the control plane's own kubeconfig (all inline data). */
export async function localEntries(): Promise<{ cluster: Cluster; users: Map<string, User> }> {
  const info = inject('kubeLocal');
  const config = await loadKubeConfig({ kubeconfig: info.kubeconfigPath });
  const cluster = config.clusters.get('kube-local')?.cluster;
  if (cluster === undefined) throw new Error('the local kubeconfig has no cluster "kube-local"');
  return { cluster, users: new Map([...config.users].map(([name, entry]) => [name, entry.user])) };
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

/** The API server's port, from the control plane's `https://127.0.0.1:<port>`. */
export function apiServerPort(): string {
  return new URL(inject('kubeLocal').server).port;
}
