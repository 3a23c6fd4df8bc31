import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { rawClient } from './support/raw-http.js';
import { useTestNamespace } from './support/test-namespace.js';

const execFileAsync = promisify(execFile);

interface NamespaceList {
  kind: string;
  items: { metadata: { name: string } }[];
}

describe('the local control plane', () => {
  const namespace = useTestNamespace('smoke');
  const admin = rawClient('admin');
  const restricted = rawClient('restricted');
  const tokenUser = rawClient('token');
  afterAll(async () => {
    await Promise.all([admin.close(), restricted.close(), tokenUser.close()]);
  });

  it('serves the pinned Kubernetes release on /version', async () => {
    const res = await admin.request('GET', '/version');
    expect(res.status).toBe(200);
    const version = res.body as { gitVersion: string; major: string; minor: string };
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

  it('authenticates the restricted certificate but forbids it everything (RBAC is on)', async () => {
    const res = await restricted.request('GET', '/api/v1/namespaces');
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'Forbidden' });
    expect((res.body as { message: string }).message).toContain('"kubekit-restricted"');
  });

  it('authenticates the bearer token user, forbids it, and rejects a wrong token with 401', async () => {
    const ok = await tokenUser.request('GET', '/api/v1/namespaces');
    expect(ok.status).toBe(403);
    expect((ok.body as { message: string }).message).toContain('"kubekit-token-user"');
    const bad = await tokenUser.request('GET', '/api/v1/namespaces', undefined, {
      authorization: 'Bearer not-the-token',
    });
    expect(bad.status).toBe(401);
  });

  it('works with kubectl and the generated kubeconfig', async () => {
    const info = inject('kubeLocal');
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
