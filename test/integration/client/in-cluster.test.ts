import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  type ApiError,
  ConfigMaps,
  inClusterConfig,
  isForbidden,
  isUnauthorized,
  KubeClient,
  SERVICE_ACCOUNT_DIR,
  ServiceAccounts,
} from '../../../src/client/index.js';
import { ConfigError } from '../../../src/common/errors.js';
import { FakeClock } from '../../../src/testing/index.js';
import { clientAs } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';
import {
  createServiceAccount,
  eventually,
  grantConfigMapRead,
  serviceAccountToken,
  serviceEnv,
  skipUnlessCluster,
  tempDir,
  whoAmI,
} from './auth-support.js';

/**
 * A pod's service-account mount under a temporary root, laid out as the kubelet's atomic writer
 * does it: the files are symlinks through `..data`, which points at a timestamped directory;
 * an update writes a new directory and swaps `..data` with one rename.
 */
function serviceAccountMount(files: { token: string; ca: Buffer; namespace: string }) {
  const root = tempDir('in-cluster');
  const dir = join(root.path, SERVICE_ACCOUNT_DIR);
  mkdirSync(dir, { recursive: true });
  let version = 0;
  const write = (token: string) => {
    version++;
    const versioned = `..v${version}`;
    mkdirSync(join(dir, versioned));
    writeFileSync(join(dir, versioned, 'token'), token);
    writeFileSync(join(dir, versioned, 'ca.crt'), files.ca);
    writeFileSync(join(dir, versioned, 'namespace'), files.namespace);
    symlinkSync(versioned, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    if (version > 1) rmSync(join(dir, `..v${version - 1}`), { recursive: true });
  };
  write(files.token);
  for (const name of ['token', 'ca.crt', 'namespace']) symlinkSync(join('..data', name), join(dir, name));
  return {
    root: root.path,
    /** Replaces the token the way the kubelet rotates a projected token. */
    rotate: write,
    tokenPath: join(dir, 'token'),
    remove: root.remove,
  };
}

describe('in-cluster configuration with real ServiceAccount tokens', () => {
  const ns = useTestNamespace('incluster');
  const info = inject('kubeLocal');
  // What the kubelet would set for the server under test: 127.0.0.1 and the local plane's port,
  // or the host and port of an existing cluster's server (KUBEKIT_TEST_KUBECONFIG).
  const service = serviceEnv();
  const env = service?.env ?? { KUBERNETES_SERVICE_HOST: '', KUBERNETES_SERVICE_PORT: '' };
  // In-cluster configuration has a host, a port and the mounted ca.crt, nothing else: an existing
  // cluster (KUBEKIT_TEST_KUBECONFIG) whose kubeconfig needs more (a URL path, a tls-server-name,
  // no verification, the system roots) cannot be reached that way, and every test skips there.
  const reachable =
    service !== undefined &&
    info.caFile !== '' &&
    !info.external?.insecureSkipVerify &&
    info.external?.tlsServerName === undefined;
  beforeEach((ctx) =>
    skipUnlessCluster(
      ctx,
      reachable,
      'a server that in-cluster configuration reaches: https://host:port with no path, verified by the kubeconfig CA alone',
    ),
  );
  const sa = (name: string) => `system:serviceaccount:${ns()}:${name}`;
  let admin: KubeClient;
  const tokens = new Map<string, string>();
  const cleanups: Array<() => unknown> = [];
  const ca = reachable ? readFileSync(info.caFile) : Buffer.alloc(0);

  beforeAll(async () => {
    admin = await clientAs('admin');
    if (!reachable) return;
    for (const name of ['reader', 'other']) await createServiceAccount(admin, ns(), name);
    await grantConfigMapRead(admin, ns(), 'reader-reads', { kind: 'ServiceAccount', name: 'reader' });
    await admin
      .resource(ConfigMaps)
      .namespace(ns())
      .create({ metadata: { name: 'app-settings' }, data: { mode: 'in-cluster' } });
    for (const name of ['reader', 'other']) tokens.set(name, await serviceAccountToken(admin, ns(), name));
    tokens.set('wrong-audience', await serviceAccountToken(admin, ns(), 'reader', ['not-the-apiserver']));
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await admin.close();
  });

  function mount(account: string) {
    const m = serviceAccountMount({ token: tokens.get(account)!, ca, namespace: ns() });
    cleanups.push(m.remove);
    return m;
  }
  function connect(root: string, clock: FakeClock): KubeClient {
    const kube = new KubeClient(inClusterConfig({ root, env, clock }), { qps: -1 });
    cleanups.push(() => kube.close());
    return kube;
  }

  it('reads ConfigMaps as a ServiceAccount bound to a Role, from the mounted files and service env vars', async () => {
    const m = mount('reader');
    const connection = inClusterConfig({ root: m.root, env });
    expect(connection.server).toBe(service!.server);
    expect(connection.namespace).toBe(ns());
    expect(connection.tls.ca?.equals(ca)).toBe(true);
    expect(connection.tls.insecureSkipVerify).toBe(false);
    expect(inClusterConfig({ root: m.root, env: { ...env, POD_NAMESPACE: 'from-env' } }).namespace).toBe(
      'from-env',
    );

    // Service variables that cannot form an address are configuration errors up front, not
    // transport errors on every request.
    for (const bad of [{ KUBERNETES_SERVICE_PORT: '70000' }, { KUBERNETES_SERVICE_HOST: 'host/path' }]) {
      expect(() => inClusterConfig({ root: m.root, env: { ...env, ...bad } })).toThrow(ConfigError);
    }

    const kube = new KubeClient(connection, { qps: -1 });
    cleanups.push(() => kube.close());
    expect(kube.defaultNamespace).toBe(ns());
    expect((await whoAmI(kube)).username).toBe(sa('reader'));
    const cms = kube.resource(ConfigMaps).namespace(kube.defaultNamespace);
    // The RoleBinding reaches the RBAC authorizer through its informers: poll briefly.
    const list = await eventually(() => cms.list());
    expect(list.items.map((c) => c.metadata?.name)).toContain('app-settings');
    expect((await cms.get('app-settings')).data).toEqual({ mode: 'in-cluster' });
    // Only what the Role grants.
    const err = await kube
      .resource(ServiceAccounts)
      .namespace(ns())
      .list()
      .catch((e: unknown) => e);
    expect(isForbidden(err)).toBe(true);
    expect((err as ApiError).message).toContain(
      `User "${sa('reader')}" cannot list resource "serviceaccounts"`,
    );
  });

  it('is what the default loading rules pick in a pod without a kubeconfig', async () => {
    const m = mount('reader');
    const home = tempDir('in-cluster-home'); // no .kube/config in it
    cleanups.push(home.remove);
    const kube = await KubeClient.load({ qps: -1, connection: { env, root: m.root, homeDir: home.path } });
    cleanups.push(() => kube.close());
    expect(kube.defaultNamespace).toBe(ns());
    expect((await whoAmI(kube)).username).toBe(sa('reader'));
  });

  it('picks up a token file replaced mid-run when its refresh interval passes (fake clock)', async () => {
    const m = mount('reader');
    const clock = new FakeClock();
    const kube = connect(m.root, clock);
    const cms = kube.resource(ConfigMaps).namespace(ns());
    expect((await eventually(() => cms.get('app-settings'))).data).toEqual({ mode: 'in-cluster' });

    m.rotate(tokens.get('other')!);
    // Within the refresh interval (a minute, like client-go) the token in hand is used.
    clock.step(59_000);
    expect((await whoAmI(kube)).username).toBe(sa('reader'));
    clock.step(1_000);
    expect((await whoAmI(kube)).username).toBe(sa('other'));
    const err = await cms.get('app-settings').catch((e: unknown) => e);
    expect(isForbidden(err)).toBe(true);
    expect((err as ApiError).message).toContain(`User "${sa('other')}" cannot get resource "configmaps"`);
  });

  it('re-reads a replaced token file at once when the server rejects the token in hand with 401', async () => {
    const m = mount('other');
    const clock = new FakeClock();
    const kube = connect(m.root, clock);
    expect((await whoAmI(kube)).username).toBe(sa('other'));

    // The file now holds a genuine token the apiserver does not accept (issued for another
    // audience). Once the refresh interval passes the client uses it, gets 401, reads the file
    // again, finds the same token, and reports Unauthorized rather than retrying in a loop.
    m.rotate(tokens.get('wrong-audience')!);
    clock.step(60_000);
    const rejected = await whoAmI(kube).catch((e: unknown) => e);
    expect(isUnauthorized(rejected)).toBe(true);

    // The kubelet writes a good token. No clock movement: only the 401 makes the client read the
    // file again before the next refresh, and the same request is retried with the new token
    // (one call, no polling: the caller never sees the 401).
    m.rotate(tokens.get('reader')!);
    expect((await whoAmI(kube)).username).toBe(sa('reader'));
    const got = await eventually(() => kube.resource(ConfigMaps).namespace(ns()).get('app-settings'));
    expect(got.data).toEqual({ mode: 'in-cluster' });
  });
});
