import { readFileSync } from 'node:fs';
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runTenantOperator } from '../../../examples/tenant-operator/operator.js';
import { Tenants } from '../../../examples/tenant-operator/tenant.js';
import {
  ConfigError,
  CustomResourceDefinitions,
  Events,
  isNotFound,
  type KubeClient,
  Namespaces,
  ResourceQuotas,
  RoleBindings,
} from '../../../src/client/index.js';
import { clientAs } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const crd = parse(readFileSync('examples/tenant-operator/crd.yaml', 'utf8')) as CustomResourceDefinition;

describe('the example tenant operator', () => {
  const leaseNamespace = useTestNamespace('tenants');
  let kube: KubeClient;
  const stop = new AbortController();
  const replicas: Promise<void>[] = [];
  const intervals: { identity: string; tenant: string; start: number; end?: number }[] = [];
  const observe = (phase: 'start' | 'end', tenant: string, identity: string) => {
    if (phase === 'start') intervals.push({ identity, tenant, start: performance.now() });
    else {
      const open = intervals.findLast(
        (i) => i.identity === identity && i.tenant === tenant && i.end === undefined,
      );
      if (open) open.end = performance.now();
    }
  };

  beforeAll(async () => {
    kube = await clientAs('admin');
  });
  afterAll(async () => {
    stop.abort();
    await Promise.allSettled(replicas);
    for (const name of ['t-one', 't-bad']) {
      await kube
        .resource(Tenants)
        .patch(name, { metadata: { finalizers: null } })
        .catch(() => {});
      await kube
        .resource(Tenants)
        .delete(name)
        .catch(() => {});
    }
    await kube
      .resource(CustomResourceDefinitions)
      .delete(crd.metadata!.name!)
      .catch(() => {});
    await kube.close();
  });

  it('refuses to start without its CRD, naming it and the fix', async () => {
    await kube
      .resource(CustomResourceDefinitions)
      .delete(crd.metadata!.name!)
      .catch(() => {});
    const attempt = runTenantOperator(
      { kube, identity: 'early', leaseNamespace: leaseNamespace() },
      stop.signal,
    );
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(/tenants\.example\.kubekit\.dev.*crd\.yaml/);
  });

  it('provisions, reconciles back, reports invalid specs and cleans up, with one leader among two replicas', async () => {
    await kube.resource(CustomResourceDefinitions).create(crd);
    await eventually(async () => {
      const cur = await kube.resource(CustomResourceDefinitions).get(crd.metadata!.name!);
      return cur.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    }, 'the CRD to be established');
    kube.discovery.invalidate();

    for (const identity of ['replica-a', 'replica-b']) {
      const replicaKube = await clientAs('admin');
      replicas.push(
        runTenantOperator(
          {
            kube: replicaKube,
            identity,
            leaseNamespace: leaseNamespace(),
            leaseDurationMs: 3000,
            renewDeadlineMs: 2000,
            retryPeriodMs: 500,
            onLeadershipLost: () => {},
            observe,
          },
          stop.signal,
        ).finally(() => replicaKube.close()),
      );
    }

    const tenants = kube.resource(Tenants);
    await tenants.create({
      metadata: { name: 't-one' },
      spec: { admins: ['alice'], quota: { pods: '10', 'requests.cpu': '2' } },
    });
    const ready = await eventually(async () => {
      const t = await tenants.get('t-one');
      const cond = t.status?.conditions?.find((c) => c.type === 'Ready');
      return cond?.status === 'True' && t.status?.observedGeneration === t.metadata?.generation
        ? t
        : undefined;
    }, 'Tenant t-one to become Ready');
    expect(ready.status?.namespace).toBe('tenant-t-one');
    expect(ready.metadata?.finalizers).toContain('example.kubekit.dev/cleanup');

    const ns = await kube.resource(Namespaces).get('tenant-t-one');
    expect(ns.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Tenant',
      name: 't-one',
      controller: true,
    });
    const quotas = kube.resource(ResourceQuotas).namespace('tenant-t-one');
    expect((await quotas.get('tenant-quota')).spec?.hard).toEqual({ pods: '10', 'requests.cpu': '2' });
    const bindings = kube.resource(RoleBindings).namespace('tenant-t-one');
    expect((await bindings.get('tenant-admins')).subjects?.map((s) => s.name)).toEqual(['alice']);

    // A spec change flows through.
    const current = await tenants.get('t-one');
    await tenants.update({ ...current, spec: { ...current.spec, quota: { pods: '20' } } });
    await eventually(
      async () => (await quotas.get('tenant-quota')).spec?.hard?.pods === '20',
      'the quota update',
    );

    // Owned objects changed or deleted by hand are put back.
    await quotas.delete('tenant-quota');
    await eventually(
      async () => (await quotas.get('tenant-quota')).spec?.hard?.pods === '20',
      'the quota to be recreated',
    );
    const binding = await bindings.get('tenant-admins');
    await bindings.update({
      ...binding,
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'mallory' }],
    });
    await eventually(
      async () => (await bindings.get('tenant-admins')).subjects?.map((s) => s.name).join() === 'alice',
      'the role binding to be reconciled back',
    );

    // An invalid spec is explained in a condition and not retried in a loop.
    await tenants.create({ metadata: { name: 't-bad' }, spec: { quota: { pods: 'lots' } } });
    const bad = await eventually(async () => {
      const t = await tenants.get('t-bad');
      return t.status?.conditions?.find((c) => c.type === 'Ready' && c.reason === 'InvalidSpec')
        ? t
        : undefined;
    }, 'the InvalidSpec condition');
    expect(bad.status?.conditions?.[0]?.message).toContain('spec.quota.pods');
    const badRuns = () => intervals.filter((i) => i.tenant === 't-bad').length;
    const before = badRuns();
    await sleep(2000);
    expect(badRuns() - before).toBeLessThanOrEqual(1);

    // Events tell people what happened.
    const events = await eventually(async () => {
      const list = await kube.resource(Events).list({ fieldSelector: 'regarding.name=t-one' });
      return list.items.some((e) => e.reason === 'NamespaceCreated') ? list.items : undefined;
    }, 'a NamespaceCreated event');
    expect(events.find((e) => e.reason === 'NamespaceCreated')?.reportingController).toBe('tenant-operator');

    // Deleting the tenant runs the finalizer: the namespace goes, then the tenant.
    await tenants.delete('t-one');
    await eventually(async () => {
      try {
        await tenants.get('t-one');
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    }, 'the tenant to be gone');
    const nsAfter = await kube
      .resource(Namespaces)
      .get('tenant-t-one')
      .catch((e: unknown) => e);
    // Without a namespace controller the namespace stays Terminating; with one it is gone.
    expect(
      isNotFound(nsAfter) ||
        Boolean((nsAfter as { metadata?: { deletionTimestamp?: string } }).metadata?.deletionTimestamp),
    ).toBe(true);

    // Two replicas, one leader: all reconciles by one identity, and none overlapping in time.
    const identities = new Set(intervals.map((i) => i.identity));
    expect(identities.size).toBe(1);
    const sorted = [...intervals].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const cur = sorted[i]!;
      if (prev.identity !== cur.identity)
        expect(cur.start).toBeGreaterThanOrEqual(prev.end ?? Number.POSITIVE_INFINITY);
    }
  });
});
