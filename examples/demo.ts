// `npm run demo`: the example Tenant operator (examples/tenant-operator) running as two
// replicas against a real Kubernetes API server — one leads and reconciles, the other waits.
// Without KUBECONFIG it builds (first run only) and starts a local control plane (etcd and
// kube-apiserver from the Go module proxy) and stops it at the end; with KUBECONFIG it uses
// that cluster and removes everything it created (it installs the Tenant CRD if missing, and
// then deletes it again).
import { readFileSync } from 'node:fs';
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import { parse } from 'yaml';
import {
  CustomResourceDefinitions,
  isAlreadyExists,
  isNotFound,
  KubeClient,
  type Logger,
  Namespaces,
  ResourceQuotas,
  RoleBindings,
} from '../src/index.js';
import { LocalControlPlane } from '../src/testing/index.js';
import { runTenantOperator } from './tenant-operator/operator.js';
import { type Tenant, Tenants, tenantNamespace } from './tenant-operator/tenant.js';

const started = performance.now();
const say = (line: string) =>
  console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ignore = () => {};
async function until<T>(probe: () => Promise<T | undefined | false>, ms = 30_000): Promise<T | undefined> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    await sleep(200);
  }
  return undefined;
}

let plane: LocalControlPlane | undefined;
let kubeconfig: string | undefined;
if (process.env.KUBECONFIG) {
  say('KUBECONFIG is set: using that cluster');
} else {
  say('no KUBECONFIG: starting a local control plane (the first run builds Kubernetes from source, ~10 min)');
  plane = await LocalControlPlane.start({
    logger: { debug: ignore, info: (m) => say(m), warn: ignore, error: ignore },
  });
  kubeconfig = plane.kubeconfigPath;
  say(`kubectl works too: kubectl --kubeconfig ${kubeconfig} get tenants`);
}
const connect = () =>
  KubeClient.load({ qps: 50, burst: 100, ...(kubeconfig ? { connection: { kubeconfig } } : {}) });
const kube = await connect();
const leaseNamespace = `kubekit-demo-${Date.now().toString(36)}`;
const crd = parse(
  readFileSync(new URL('./tenant-operator/crd.yaml', import.meta.url), 'utf8'),
) as CustomResourceDefinition;
const demoTenants = ['acme', 'globex', 'initech'];
let installedCrd = false;
const replicas = new Map<string, { stop: AbortController; done: Promise<void> }>();
let leader: string | undefined;

try {
  const version = await kube.discovery.serverVersion();
  say(`server is Kubernetes ${version.gitVersion}`);
  try {
    await kube.resource(CustomResourceDefinitions).create(crd);
    installedCrd = true;
    say(`installed the CRD ${crd.metadata?.name}`);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    say(`the CRD ${crd.metadata?.name} is already installed`);
  }
  await until(async () =>
    (await kube.resource(CustomResourceDefinitions).get(crd.metadata!.name!)).status?.conditions?.some(
      (c) => c.type === 'Established' && c.status === 'True',
    ),
  );
  await kube.resource(Namespaces).create({ metadata: { name: leaseNamespace } });

  for (const identity of ['replica-1', 'replica-2']) {
    const replicaKube = await connect();
    const logger: Logger = {
      debug: ignore,
      warn: ignore,
      error: (m) =>
        m.includes('lost leadership') ? say(`${identity}: ${m.replace('tenant-operator: ', '')}`) : undefined,
      info: (m) => {
        if (!m.includes('became the leader')) return;
        leader = identity;
        say(`${identity}: became the leader — it alone reconciles`);
      },
    };
    const stop = new AbortController();
    const done = runTenantOperator(
      {
        kube: replicaKube,
        identity,
        leaseNamespace,
        leaseDurationMs: 6000,
        renewDeadlineMs: 4000,
        retryPeriodMs: 1000,
        logger,
        onLeadershipLost: ignore,
        observe: (phase, tenant, who, error) => {
          if (phase === 'end')
            say(
              `  ${who} reconciled tenant ${tenant}${error ? ` — failed, will retry: ${String(error).slice(0, 80)}` : ''}`,
            );
        },
      },
      stop.signal,
    ).finally(() => replicaKube.close());
    replicas.set(identity, { stop, done });
    say(`started ${identity} of the tenant operator`);
  }

  const tenants = kube.resource(Tenants);
  const specs: Record<string, Tenant['spec']> = {
    acme: { admins: ['alice'], quota: { pods: '10', 'requests.cpu': '2', 'requests.memory': '4Gi' } },
    globex: { admins: ['bob', 'carol'] },
    initech: { quota: { pods: 'lots' } },
  };
  for (const name of demoTenants) {
    await tenants.create({ metadata: { name }, spec: specs[name] });
    say(`created Tenant ${name} ${JSON.stringify(specs[name])}`);
  }
  for (const name of demoTenants) {
    const t = await until(async () => {
      const cur = await tenants.get(name);
      return cur.status?.conditions?.some((c) => c.type === 'Ready') ? cur : undefined;
    });
    const ready = t?.status?.conditions?.find((c) => c.type === 'Ready');
    say(`Tenant ${name}: Ready=${ready?.status} (${ready?.reason}: ${ready?.message})`);
    if (ready?.status !== 'True') continue;
    const ns = tenantNamespace(name);
    const quota = await kube
      .resource(ResourceQuotas)
      .namespace(ns)
      .get('tenant-quota')
      .catch(() => undefined);
    const binding = await kube.resource(RoleBindings).namespace(ns).get('tenant-admins');
    say(
      `  namespace ${ns}: quota ${quota ? JSON.stringify(quota.spec?.hard) : 'none'}, admins ${binding.subjects?.map((s) => s.name).join(', ')}`,
    );
  }

  say('someone deletes the ResourceQuota of acme by hand…');
  await kube.resource(ResourceQuotas).namespace(tenantNamespace('acme')).delete('tenant-quota');
  const back = await until(() =>
    kube.resource(ResourceQuotas).namespace(tenantNamespace('acme')).get('tenant-quota'),
  );
  say(back ? '  …and the operator put it back' : '  …and it did not come back (unexpected)');

  const stopping = leader ?? 'replica-1';
  say(`stopping the leader, ${stopping} (graceful: it releases its lease, so the other takes over at once)`);
  replicas.get(stopping)!.stop.abort();
  await replicas.get(stopping)!.done;
  await until(async () => leader !== stopping, 15_000);
  await until(async () => (await tenants.get('globex')).metadata?.name, 5000);
  await tenants.patch('globex', { spec: { admins: ['bob', 'carol', 'dave'] } });
  say('added admin dave to globex; the new leader reconciles it');
  await until(async () =>
    (
      await kube.resource(RoleBindings).namespace(tenantNamespace('globex')).get('tenant-admins')
    ).subjects?.some((s) => s.name === 'dave'),
  );

  say('deleting Tenant acme: its finalizer removes the namespace first');
  await tenants.delete('acme');
  await until(async () =>
    tenants.get('acme').then(
      () => false,
      (err: unknown) => isNotFound(err),
    ),
  );
  const ns = await kube
    .resource(Namespaces)
    .get(tenantNamespace('acme'))
    .catch((err: unknown) => err);
  say(
    isNotFound(ns)
      ? `  Tenant acme is gone, and so is namespace ${tenantNamespace('acme')}`
      : `  Tenant acme is gone; namespace ${tenantNamespace('acme')} is terminating`,
  );
} finally {
  for (const { stop } of replicas.values()) stop.abort();
  await Promise.allSettled([...replicas.values()].map((r) => r.done));
  for (const name of demoTenants) {
    await kube
      .resource(Tenants)
      .patch(name, { metadata: { finalizers: null } })
      .catch(ignore);
    await kube.resource(Tenants).delete(name).catch(ignore);
    await kube.resource(Namespaces).delete(tenantNamespace(name)).catch(ignore);
  }
  await kube.resource(Namespaces).delete(leaseNamespace).catch(ignore);
  if (installedCrd) await kube.resource(CustomResourceDefinitions).delete(crd.metadata!.name!).catch(ignore);
  say('cleaned up');
  await kube.close();
  if (plane) {
    await plane.stop();
    say('stopped the local control plane');
  }
}
