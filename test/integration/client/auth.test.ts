import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import {
  ApiError,
  ConfigMaps,
  isForbidden,
  isUnauthorized,
  KubeClient,
  type User,
} from '../../../src/client/index.js';
import { clientAs, missingForTest, skipUnlessAvailable } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';
import {
  clientFor,
  eventually,
  grantConfigMapRead,
  localEntries,
  skipUnlessCluster,
  tempDir,
  whoAmI,
} from './auth-support.js';

// The local plane's certificate user `kubekit-restricted` and static-token user
// `kubekit-token-user`, both without permissions: an existing cluster (KUBEKIT_TEST_KUBECONFIG)
// has neither, and the tests that use them skip there, saying why.
const USERS = ['restricted', 'token'] as const;

describe('authentication and authorization through kubeconfig users', () => {
  const ns = useTestNamespace('auth');
  const info = inject('kubeLocal');
  let admin: KubeClient;
  let restricted: KubeClient;
  let token: KubeClient;
  beforeAll(async () => {
    admin = await clientAs('admin');
    if (missingForTest(USERS) === undefined)
      [restricted, token] = await Promise.all([clientAs('restricted'), clientAs('token')]);
    await admin
      .resource(ConfigMaps)
      .namespace(ns())
      .create({ metadata: { name: 'visible' }, data: { k: 'v' } });
  });
  afterAll(async () => {
    await Promise.all([admin.close(), restricted?.close(), token?.close()]);
  });

  it('authenticates a client-certificate user and a static-token user from their contexts', async (ctx) => {
    skipUnlessAvailable(ctx, USERS);
    const [asAdmin, asRestricted, asToken] = await Promise.all([
      whoAmI(admin),
      whoAmI(restricted),
      whoAmI(token),
    ]);
    expect(asAdmin.username).toBe('kubekit-admin');
    expect(asAdmin.groups).toContain('system:masters');
    expect(asRestricted.username).toBe('kubekit-restricted');
    expect(asRestricted.groups).toContain('system:authenticated');
    expect(asRestricted.groups).not.toContain('system:masters');
    expect(asToken.username).toBe('kubekit-token-user');
    expect(asToken.uid).toBe('kubekit-token-uid');
    expect(asToken.groups).toContain('system:authenticated');
  });

  it('gives authenticated users without permissions a typed Forbidden that names them', async (ctx) => {
    skipUnlessAvailable(ctx, USERS);
    for (const [kube, user] of [
      [restricted, 'kubekit-restricted'],
      [token, 'kubekit-token-user'],
    ] as const) {
      const err = await kube
        .resource(ConfigMaps)
        .namespace(ns())
        .list()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(isForbidden(err)).toBe(true);
      // Forbidden (authenticated, not allowed), not Unauthorized (credentials not accepted).
      expect(isUnauthorized(err)).toBe(false);
      expect((err as ApiError).code).toBe(403);
      expect((err as ApiError).message).toContain(`User "${user}" cannot list resource "configmaps"`);
      expect((err as ApiError).message).toContain(`namespace "${ns()}"`);
    }
  });

  it('lets a user read once admin binds a Role to it, and only what the Role allows', async (ctx) => {
    skipUnlessAvailable(ctx, USERS);
    await grantConfigMapRead(admin, ns(), 'token-user-reads', { kind: 'User', name: 'kubekit-token-user' });
    const cms = token.resource(ConfigMaps).namespace(ns());
    // RBAC reaches the authorizer through its informers: poll briefly for the binding to apply.
    const list = await eventually(() => cms.list());
    expect(list.items.map((c) => c.metadata?.name)).toContain('visible');
    expect((await cms.get('visible')).data).toEqual({ k: 'v' });

    const write = await cms.create({ metadata: { name: 'not-allowed' } }).catch((e: unknown) => e);
    expect(isForbidden(write)).toBe(true);
    expect((write as ApiError).message).toContain(
      'User "kubekit-token-user" cannot create resource "configmaps"',
    );
    // The binding names one user: the certificate user is still refused.
    const other = await restricted
      .resource(ConfigMaps)
      .namespace(ns())
      .get('visible')
      .catch((e: unknown) => e);
    expect(isForbidden(other)).toBe(true);
  });

  it('loads certificate files, a CA file and a token file named relative to KUBECONFIG files it merges', async (ctx) => {
    skipUnlessAvailable(ctx, USERS);
    const dir = tempDir('auth-files');
    let certClient: KubeClient | undefined;
    let tokenClient: KubeClient | undefined;
    try {
      copyFileSync(info.caFile, join(dir.path, 'ca.crt'));
      copyFileSync(info.users.restricted.certFile!, join(dir.path, 'restricted.crt'));
      copyFileSync(info.users.restricted.keyFile!, join(dir.path, 'restricted.key'));
      writeFileSync(join(dir.path, 'token'), `${info.users.token.token}\n`, { mode: 0o600 });
      const clusterFile = join(dir.path, 'cluster.yaml');
      const userFile = join(dir.path, 'users.yaml');
      writeFileSync(
        clusterFile,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'local', cluster: { server: info.server, 'certificate-authority': 'ca.crt' } }],
          users: [
            {
              name: 'cert',
              user: { 'client-certificate': 'restricted.crt', 'client-key': 'restricted.key' },
            },
          ],
          contexts: [{ name: 'cert', context: { cluster: 'local', user: 'cert', namespace: ns() } }],
        }),
      );
      writeFileSync(
        userFile,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          users: [{ name: 'file-token', user: { tokenFile: 'token' } }],
          contexts: [{ name: 'file-token', context: { cluster: 'local', user: 'file-token' } }],
          'current-context': 'file-token',
        }),
      );
      const env = { KUBECONFIG: `${clusterFile}:${userFile}` };
      certClient = await KubeClient.load({ qps: -1, connection: { env, context: 'cert' } });
      tokenClient = await KubeClient.load({ qps: -1, connection: { env } });
      expect(certClient.defaultNamespace).toBe(ns());
      expect(tokenClient.defaultNamespace).toBe('default');
      expect((await whoAmI(certClient)).username).toBe('kubekit-restricted');
      expect((await whoAmI(tokenClient)).username).toBe('kubekit-token-user');
    } finally {
      await certClient?.close();
      await tokenClient?.close();
      dir.remove();
    }
  });

  it('is anonymous with a context that names no user: public endpoints answer, the rest is Forbidden', async (ctx) => {
    const kube = clientFor((await localEntries()).cluster, undefined);
    try {
      const version = await kube.discovery.serverVersion().catch((e: unknown) => e);
      // The local plane lets anonymous requests in; an existing cluster may refuse them (401).
      skipUnlessCluster(ctx, !isUnauthorized(version), 'anonymous requests let in (--anonymous-auth)');
      if (version instanceof Error) throw version;
      expect((version as { gitVersion?: string }).gitVersion).toMatch(/^v1\./);
      const err = await kube
        .resource(ConfigMaps)
        .namespace(ns())
        .list()
        .catch((e: unknown) => e);
      expect(isForbidden(err)).toBe(true);
      expect((err as ApiError).message).toContain('User "system:anonymous" cannot list');
    } finally {
      await kube.close();
    }
  });

  describe('impersonation', () => {
    let adminUser: User;
    let cluster: Awaited<ReturnType<typeof localEntries>>['cluster'];
    beforeAll(async () => {
      // Admin's context's cluster and user: the local plane's `kube-local` and `admin`, or those
      // of the existing cluster's context (KUBEKIT_TEST_KUBECONFIG).
      ({ cluster, admin: adminUser } = await localEntries());
    });

    it('makes admin act as the impersonated user, whose Forbidden names that user', async () => {
      const kube = clientFor(cluster, { ...adminUser, as: 'kubekit-restricted' });
      try {
        expect((await whoAmI(kube)).username).toBe('kubekit-restricted');
        const err = await kube
          .resource(ConfigMaps)
          .namespace(ns())
          .get('visible')
          .catch((e: unknown) => e);
        expect(isForbidden(err)).toBe(true);
        expect((err as ApiError).message).toContain(
          'User "kubekit-restricted" cannot get resource "configmaps"',
        );
        expect((err as ApiError).message).not.toContain('kubekit-admin');
      } finally {
        await kube.close();
      }
    });

    it('sends impersonated uid, groups and extra (keys with "/" included) as the server reads them', async () => {
      const kube = clientFor(cluster, {
        ...adminUser,
        as: 'someone',
        'as-uid': 'uid-1234',
        'as-groups': ['team-a', 'team-b'],
        'as-user-extra': { 'example.com/reason': ['integration test', 'second value'], scopes: ['view'] },
      });
      try {
        const me = await whoAmI(kube);
        expect(me.username).toBe('someone');
        expect(me.uid).toBe('uid-1234');
        expect(me.groups).toEqual(expect.arrayContaining(['team-a', 'team-b', 'system:authenticated']));
        expect(me.extra).toEqual({
          'example.com/reason': ['integration test', 'second value'],
          scopes: ['view'],
        });
      } finally {
        await kube.close();
      }
    });

    it('is refused for a user who may not impersonate', async (ctx) => {
      skipUnlessAvailable(ctx, ['token']);
      const kube = clientFor(cluster, { token: info.users.token.token!, as: 'kubekit-admin' });
      try {
        const err = await whoAmI(kube).catch((e: unknown) => e);
        expect(isForbidden(err)).toBe(true);
        // Worded per verb since constrained impersonation ("cannot impersonate-on:…" in 1.37).
        expect((err as ApiError).message).toContain('User "kubekit-token-user" cannot impersonate');
      } finally {
        await kube.close();
      }
    });
  });
});
