import { inject, type TestContext } from 'vitest';
import { KubeClient, type KubeClientOptions } from '../../../src/client/index.js';
import type { ChaosProxyUpstream } from '../../../src/testing/index.js';
import type { KubeLocalInfo, LocalUserName } from './kube-local-info.js';

/** A kubekit client of the test control plane as one of its users (rate limit off unless given). */
export function clientAs(
  user: 'admin' | 'restricted' | 'token' = 'admin',
  options: KubeClientOptions = {},
): Promise<KubeClient> {
  const info = inject('kubeLocal');
  const reason = missingForTest([user], info);
  if (reason) return Promise.reject(new Error(`clientAs('${user}'): ${reason}`));
  return KubeClient.load({
    qps: -1,
    ...options,
    connection: { kubeconfig: info.kubeconfigPath, context: info.users[user].context },
  });
}

/**
 * What a test may need that only the local control plane started by the global setup has:
 * its etcd (`compactEtcd`), the binaries built by tools/kube-local (kubectl, kube-apiserver to
 * start planes of one's own, kube-scheduler, …), a user other than admin, or a ChaosProxy in
 * front of the server (it presents admin's client certificate upstream and trusts the CA file).
 */
export type LocalOnlyNeed = 'etcd' | 'binaries' | 'chaos-proxy' | Exclude<LocalUserName, 'admin'>;

/**
 * Undefined when the cluster under test has everything in `needs`; otherwise a sentence saying
 * what is missing and why, for a skip message. Only a run against an existing cluster
 * (KUBEKIT_TEST_KUBECONFIG) ever lacks something.
 */
export function missingForTest(
  needs: readonly (LocalOnlyNeed | 'admin')[],
  info: KubeLocalInfo = inject('kubeLocal'),
): string | undefined {
  const missing: string[] = [];
  for (const need of needs) {
    if (need === 'etcd' && !info.etcdUrl) missing.push("the local plane's etcd");
    else if (need === 'binaries' && !info.binDir) missing.push('the binaries built by tools/kube-local');
    else if (need === 'chaos-proxy' && !chaosProxyUpstream(info))
      missing.push(
        'a ChaosProxy upstream: admin as a client certificate, a CA file, and neither tls-server-name nor insecure-skip-tls-verify',
      );
    else if (need !== 'etcd' && need !== 'binaries' && need !== 'chaos-proxy' && !info.users[need].context)
      missing.push(`the "${need}" user of the local plane`);
  }
  if (missing.length === 0) return undefined;
  const where = info.external
    ? `the cluster of KUBEKIT_TEST_KUBECONFIG (${info.external.kubeconfig}, context ${info.external.context})`
    : 'this control plane';
  return `needs ${missing.join(', ')}, which ${where} does not provide`;
}

/** How a ChaosProxy reaches the server as admin, or undefined when the kubeconfig does not allow one. */
export function chaosProxyUpstream(
  info: KubeLocalInfo = inject('kubeLocal'),
): ChaosProxyUpstream | undefined {
  const { certFile, keyFile } = info.users.admin;
  if (!certFile || !keyFile || !info.caFile) return undefined;
  if (info.external?.insecureSkipVerify || info.external?.tlsServerName) return undefined;
  return { server: info.server, caFile: info.caFile, certFile, keyFile };
}

/**
 * Skips the running test, saying why on the console and in the report, when the cluster under
 * test lacks something in `needs`. Only runs against an existing cluster (KUBEKIT_TEST_KUBECONFIG)
 * skip anything; against the local plane this never skips.
 */
export function skipUnlessAvailable(context: TestContext, needs: readonly LocalOnlyNeed[]): void {
  const info = inject('kubeLocal');
  const reason = missingForTest(needs, info);
  if (reason === undefined) return;
  // The default run (local plane) never skips: something missing there is a broken setup.
  if (!info.external) throw new Error(`"${context.task.name}" ${reason}`);
  console.warn(`skipped "${context.task.name}": it ${reason}`);
  context.skip(`${reason} (KUBEKIT_TEST_KUBECONFIG run)`);
}
