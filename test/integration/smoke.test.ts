import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { skipUnlessAvailable } from './support/kube.js';
import { rawClient } from './support/raw-http.js';
import { useTestNamespace } from './support/test-namespace.js';

const execFileAsync = promisify(execFile);

interface NamespaceList {
  kind: string;
  items: { metadata: { name: string } }[];
}

describe('the local control plane', () => {
  const namespace = useTestNamespace('smoke');
  const info = inject('kubeLocal');
  const admin = rawClient('admin');
  afterAll(async () => {
    await admin.close();
  });

  it('serves the pinned Kubernetes release on /version', async () => {
    const res = await admin.request('GET', '/version');
    expect(res.status).toBe(200);
    const version = res.body as { gitVersion: string; major: string; minor: string };
    if (info.external) {
      // An existing cluster (KUBEKIT_TEST_KUBECONFIG) runs whatever release its vendor built:
      // v1.30.4-eks-a737599 with minor "30+", v1.29.1+k3s2, …
      expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+([-+].+)?$/);
      const [major, minor] = version.gitVersion.slice(1).split('.');
      expect([version.major, version.minor.replace(/\+$/, '')]).toEqual([major, minor]);
      return;
    }
    expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
    expect(version.gitVersion).toBe(`v${version.major}.${version.minor}.${version.gitVersion.split('.')[2]}`);
  });

  it('lets the admin certificate list namespaces, including this file’s own', async () => {
    const res = await admin.request('GET', '/api/v1/namespaces');
    expect(res.status).toBe(200);
    const list = res.body as NamespaceList;
    expect(list.kind).toBe('NamespaceList');
    const names = list.items.map((n) => n.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', namespace()]));
  });

  it('authenticates the restricted certificate but forbids it everything (RBAC is on)', async (ctx) => {
    skipUnlessAvailable(ctx, ['restricted']);
    const restricted = rawClient('restricted');
    try {
      const res = await restricted.request('GET', '/api/v1/namespaces');
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ kind: 'Status', reason: 'Forbidden' });
      expect((res.body as { message: string }).message).toContain('"kubekit-restricted"');
    } finally {
      await restricted.close();
    }
  });

  it('authenticates the bearer token user, forbids it, and rejects a wrong token with 401', async (ctx) => {
    skipUnlessAvailable(ctx, ['token']);
    const tokenUser = rawClient('token');
    try {
      const ok = await tokenUser.request('GET', '/api/v1/namespaces');
      expect(ok.status).toBe(403);
      expect((ok.body as { message: string }).message).toContain('"kubekit-token-user"');
      const bad = await tokenUser.request('GET', '/api/v1/namespaces', undefined, {
        authorization: 'Bearer not-the-token',
      });
      expect(bad.status).toBe(401);
    } finally {
      await tokenUser.close();
    }
  });

  it('works with kubectl and the generated kubeconfig', async (ctx) => {
    // The tools/kube-local kubectl, and the local plane's restricted user.
    skipUnlessAvailable(ctx, ['binaries', 'restricted']);
    const { stdout } = await execFileAsync(join(info.binDir, 'kubectl'), [
      '--kubeconfig',
      info.kubeconfigPath,
      'get',
      'ns',
      '-o',
      'name',
    ]);
    expect(stdout.split('\n')).toEqual(
      expect.arrayContaining(['namespace/default', `namespace/${namespace()}`]),
    );
    const forbidden = execFileAsync(join(info.binDir, 'kubectl'), [
      '--kubeconfig',
      info.kubeconfigPath,
      '--context',
      info.users.restricted.context,
      'get',
      'ns',
    ]);
    await expect(forbidden).rejects.toMatchObject({ stderr: expect.stringContaining('Forbidden') });
  });
});
