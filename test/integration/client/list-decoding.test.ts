import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigMaps, type KubeClient } from '../../../src/client/index.js';
import { clientAs } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';

// 300 ConfigMaps of ~2 KiB: a list of ~700 KiB, well over the 128 KiB above which
// kube-apiserver compresses an answer for a client that asks for gzip.
const count = 300;
const payload = (i: number) => `${i}-`.padEnd(2_000, 'x"\\é');
// Every list selects this file's ConfigMaps by label: a real cluster's namespace also holds
// kube-root-ca.crt (KUBEKIT_TEST_KUBECONFIG runs), which must not count.
const FIXTURE = { 'kubekit.dev/fixture': 'list-decoding' };
const labelSelector = 'kubekit.dev/fixture=list-decoding';

describe('lists decoded while they stream in, against kube-apiserver', () => {
  const ns = useTestNamespace('listdec');
  const clients: KubeClient[] = [];
  const client = async (compression: 'gzip' | 'none') => {
    const kube = await clientAs('admin', { compression });
    clients.push(kube);
    return kube.resource(ConfigMaps).namespace(ns());
  };
  beforeAll(async () => {
    const cms = await client('none');
    for (let i = 0; i < count; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, k) =>
          cms.create({
            metadata: { name: `cm-${String(i + k).padStart(3, '0')}`, labels: FIXTURE },
            data: { v: payload(i + k) },
          }),
        ),
      );
    }
  });
  afterAll(() => Promise.all(clients.map((c) => c.close())));

  it('gives the same list with and without gzip, from etcd and from the watch cache', async () => {
    const plain = await client('none');
    const gzip = await client('gzip');
    for (const resourceVersion of ['', '0']) {
      const a = await plain.list({ resourceVersion, labelSelector });
      const b = await gzip.list({ resourceVersion, labelSelector });
      expect(a.items).toHaveLength(count);
      expect(b.items.map((c) => [c.metadata?.name, c.data?.v])).toEqual(
        a.items.map((c) => [c.metadata?.name, c.data?.v]),
      );
      expect(a.items.find((c) => c.metadata?.name === 'cm-123')?.data?.v).toBe(payload(123));
      expect(a.kind).toBe('ConfigMapList');
      expect(Number(b.metadata.resourceVersion)).toBeGreaterThan(0);
    }
  });

  it('applies transformItem to every item as it is decoded', async () => {
    const cms = await client('gzip');
    let calls = 0;
    const list = await cms.list({
      labelSelector,
      transformItem: (cm: ConfigMap) => {
        calls++;
        return { metadata: { name: cm.metadata?.name } };
      },
    });
    expect(calls).toBe(count);
    expect(list.items).toHaveLength(count);
    expect(list.items.every((c) => c.data === undefined && c.metadata?.name?.startsWith('cm-'))).toBe(true);
    expect(list.metadata.resourceVersion).toBeTruthy();
  });
});
