import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import {
  type ApiError,
  type Cluster,
  ConfigMaps,
  EXEC_API_V1,
  type ExecConfig,
  isUnauthorized,
  KubeClient,
} from '../../../src/client/index.js';
import { ConfigError } from '../../../src/common/errors.js';
import { FakeClock } from '../../../src/testing/index.js';
import { clientAs, skipUnlessAvailable } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';
import {
  clientFor,
  createServiceAccount,
  localEntries,
  serviceAccountToken,
  tempDir,
  whoAmI,
} from './auth-support.js';

// The plugin: logs each run (one line per run, appended, so concurrent runs would all count),
// records the KUBERNETES_EXEC_INFO and arguments it was given, and prints cred-<run>.json if the
// test wrote one for this run, else cred.json. The test rewrites those files to change its answer.
const PLUGIN = `#!/bin/sh
d="$KUBEKIT_PLUGIN_DIR"
echo run >> "$d/runs.log"
n=$(wc -l < "$d/runs.log" | tr -d ' ')
printf '%s' "$KUBERNETES_EXEC_INFO" > "$d/exec-info-$n.json"
printf '%s\n' "$@" > "$d/args-$n"
if [ -f "$d/cred-$n.json" ]; then exec cat "$d/cred-$n.json"; fi
exec cat "$d/cred.json"
`;

interface PluginDir {
  path: string;
  exec: ExecConfig;
  /** What the plugin prints: on run `run` only, or (without `run`) on every run without its own file. */
  setCredential(status: Record<string, string>, run?: number): void;
  runs(): number;
  execInfo(run: number): { apiVersion: string; kind: string; spec: Record<string, unknown> };
  args(run: number): string[];
  remove(): void;
}

function pluginDir(script = PLUGIN): PluginDir {
  const dir = tempDir('exec');
  const command = join(dir.path, 'plugin.sh');
  writeFileSync(command, script);
  chmodSync(command, 0o755);
  return {
    path: dir.path,
    exec: {
      apiVersion: EXEC_API_V1,
      command,
      args: ['get-token', '--scope', 'two words'],
      env: [{ name: 'KUBEKIT_PLUGIN_DIR', value: dir.path }],
      interactiveMode: 'Never',
      provideClusterInfo: true,
    },
    setCredential(status, run) {
      const file = join(dir.path, run === undefined ? 'cred.json' : `cred-${run}.json`);
      writeFileSync(file, JSON.stringify({ apiVersion: EXEC_API_V1, kind: 'ExecCredential', status }));
    },
    runs() {
      const log = join(dir.path, 'runs.log');
      return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0;
    },
    execInfo(run) {
      return JSON.parse(readFileSync(join(dir.path, `exec-info-${run}.json`), 'utf8'));
    },
    args(run) {
      return readFileSync(join(dir.path, `args-${run}`), 'utf8')
        .split('\n')
        .slice(0, -1);
    },
    remove: dir.remove,
  };
}

describe('exec credential plugins (client.authentication.k8s.io/v1) against kube-apiserver', () => {
  const ns = useTestNamespace('exec');
  const info = inject('kubeLocal');
  let admin: KubeClient;
  let cluster: Cluster;
  let firstToken: string;
  let secondToken: string;
  const sa = (name: string) => `system:serviceaccount:${ns()}:${name}`;
  // Every test starts from 2024-01-01T00:00:00Z on its own fake clock (and so its own cache).
  const at = (minutes: number) => new Date(Date.UTC(2024, 0, 1, 0, minutes)).toISOString();
  const cleanups: Array<() => unknown> = [];

  beforeAll(async () => {
    admin = await clientAs('admin');
    // Admin's context's cluster: the local plane's `kube-local`, or that of the existing
    // cluster's context (KUBEKIT_TEST_KUBECONFIG).
    cluster = (await localEntries()).cluster;
    await createServiceAccount(admin, ns(), 'exec-first');
    await createServiceAccount(admin, ns(), 'exec-second');
    [firstToken, secondToken] = await Promise.all([
      serviceAccountToken(admin, ns(), 'exec-first'),
      serviceAccountToken(admin, ns(), 'exec-second'),
    ]);
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await admin.close();
  });

  /** A plugin directory and a client using it, both cleaned up after the file. */
  function setup(script?: string): { plugin: PluginDir; clock: FakeClock; connect(): KubeClient } {
    const plugin = pluginDir(script);
    cleanups.push(plugin.remove);
    const clock = new FakeClock();
    return {
      plugin,
      clock,
      connect() {
        const kube = clientFor(cluster, { exec: plugin.exec }, { clock });
        cleanups.push(() => kube.close());
        return kube;
      },
    };
  }

  it('supplies a real ServiceAccount token, running once for concurrent first requests, with cluster info', async () => {
    const { plugin, connect } = setup();
    plugin.setCredential({ token: firstToken, expirationTimestamp: at(10) });
    const kube = connect();
    const users = await Promise.all(Array.from({ length: 5 }, () => whoAmI(kube)));
    expect(users.map((u) => u.username)).toEqual(Array(5).fill(sa('exec-first')));
    expect(plugin.runs()).toBe(1);

    const execInfo = plugin.execInfo(1);
    expect(execInfo.apiVersion).toBe(EXEC_API_V1);
    expect(execInfo.kind).toBe('ExecCredential');
    expect(execInfo.spec.interactive).toBe(false);
    // The CA as the kubeconfig gives it (inline on the local plane, maybe a file elsewhere), as data.
    if (info.caFile) {
      expect(execInfo.spec.cluster).toMatchObject({
        server: info.server,
        'certificate-authority-data': readFileSync(info.caFile).toString('base64'),
      });
    } else {
      expect(execInfo.spec.cluster).toMatchObject({ server: info.server });
      expect(execInfo.spec.cluster).not.toHaveProperty('certificate-authority-data');
    }
    expect(plugin.args(1)).toEqual(['get-token', '--scope', 'two words']);

    // A second client of the same kubeconfig shares the cached credential.
    const other = connect();
    expect((await whoAmI(other)).username).toBe(sa('exec-first'));
    expect(plugin.runs()).toBe(1);
  });

  it('caches the token until expirationTimestamp and runs the plugin again once it passes', async () => {
    const { plugin, clock, connect } = setup();
    plugin.setCredential({ token: firstToken, expirationTimestamp: at(10) });
    const kube = connect();
    expect((await whoAmI(kube)).username).toBe(sa('exec-first'));
    expect(plugin.runs()).toBe(1);

    // From now on the plugin would hand out the second account's token.
    plugin.setCredential({ token: secondToken, expirationTimestamp: at(20) });
    clock.step(9 * 60_000 + 59_000); // 00:09:59, one second before expiry
    expect((await whoAmI(kube)).username).toBe(sa('exec-first'));
    expect(plugin.runs()).toBe(1);

    clock.step(1_000); // 00:10:00, expired
    expect((await whoAmI(kube)).username).toBe(sa('exec-second'));
    expect(plugin.runs()).toBe(2);
    expect((await whoAmI(kube)).username).toBe(sa('exec-second'));
    expect(plugin.runs()).toBe(2);
  });

  it('runs the plugin again after the server rejects its token with 401, and retries the request once', async () => {
    const { plugin, connect } = setup();
    plugin.setCredential({ token: 'not-a-token-the-server-knows' }, 1); // no expiry: cached until a 401
    plugin.setCredential({ token: firstToken });
    const kube = connect();
    // The caller never sees the 401: the plugin ran again and the request was repeated.
    const list = await kube
      .resource(ConfigMaps)
      .namespace(ns())
      .list()
      .catch((e: unknown) => e);
    // exec-first has no RBAC permissions: Forbidden naming it proves the second token was used.
    expect((list as ApiError).message).toContain(`User "${sa('exec-first')}" cannot list`);
    expect(plugin.runs()).toBe(2);
    expect((await whoAmI(kube)).username).toBe(sa('exec-first'));
    expect(plugin.runs()).toBe(2);
  });

  it('runs the plugin once more, not once per request, when a burst of requests gets 401', async () => {
    const { plugin, connect } = setup();
    plugin.setCredential({ token: 'rejected-for-everyone' }, 1);
    plugin.setCredential({ token: secondToken });
    const kube = connect();
    const users = await Promise.all(Array.from({ length: 8 }, () => whoAmI(kube)));
    expect(new Set(users.map((u) => u.username))).toEqual(new Set([sa('exec-second')]));
    expect(plugin.runs()).toBe(2);
  });

  it('surfaces Unauthorized after one re-run when the plugin keeps returning a rejected token', async () => {
    const { plugin, connect } = setup();
    plugin.setCredential({ token: 'still-not-a-valid-token' });
    const kube = connect();
    const err = await whoAmI(kube).catch((e: unknown) => e);
    expect(isUnauthorized(err)).toBe(true);
    expect((err as ApiError).code).toBe(401);
    expect(plugin.runs()).toBe(2);
    // The next request tries the cached token, then one fresh run: never a loop.
    const again = await whoAmI(kube).catch((e: unknown) => e);
    expect(isUnauthorized(again)).toBe(true);
    expect(plugin.runs()).toBe(3);
    // The plugin recovers (e.g. the user logged in again): the next request works.
    plugin.setCredential({ token: secondToken });
    expect((await whoAmI(kube)).username).toBe(sa('exec-second'));
    expect(plugin.runs()).toBe(4);
  });

  it('uses a client certificate from the plugin, and the new one after it expires', async (ctx) => {
    // The local plane's certificates of kubekit-restricted and kubekit-admin.
    skipUnlessAvailable(ctx, ['restricted']);
    const { plugin, clock, connect } = setup();
    const pem = (file: string | undefined) => readFileSync(file!, 'utf8');
    plugin.setCredential({
      clientCertificateData: pem(info.users.restricted.certFile),
      clientKeyData: pem(info.users.restricted.keyFile),
      expirationTimestamp: at(10),
    });
    const kube = connect();
    expect((await whoAmI(kube)).username).toBe('kubekit-restricted');
    expect(plugin.runs()).toBe(1);

    plugin.setCredential({
      clientCertificateData: pem(info.users.admin.certFile),
      clientKeyData: pem(info.users.admin.keyFile),
      expirationTimestamp: at(20),
    });
    clock.step(10 * 60_000);
    // A kept-alive connection still carries the old certificate: the client must reconnect.
    expect((await whoAmI(kube)).username).toBe('kubekit-admin');
    expect(plugin.runs()).toBe(2);
  });

  it('runs a plugin named relative to the kubeconfig file that references it', async () => {
    const plugin = pluginDir();
    cleanups.push(plugin.remove);
    plugin.setCredential({ token: secondToken });
    const file = join(plugin.path, 'kubeconfig');
    writeFileSync(
      file,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'local', cluster }],
        users: [{ name: 'plugin-user', user: { exec: { ...plugin.exec, command: './plugin.sh' } } }],
        contexts: [{ name: 'plugin', context: { cluster: 'local', user: 'plugin-user', namespace: ns() } }],
        'current-context': 'plugin',
      }),
    );
    // The test's working directory is not the plugin's: only resolution against the file works.
    expect(process.cwd()).not.toBe(plugin.path);
    const kube = await KubeClient.load({ qps: -1, connection: { kubeconfig: file, clock: new FakeClock() } });
    cleanups.push(() => kube.close());
    expect(kube.defaultNamespace).toBe(ns());
    expect((await whoAmI(kube)).username).toBe(sa('exec-second'));
    expect(plugin.runs()).toBe(1);
  });

  it('reports a failing plugin as a ConfigError with its exit code and standard error', async () => {
    const { plugin, connect } = setup(
      '#!/bin/sh\necho run >> "$KUBEKIT_PLUGIN_DIR/runs.log"\necho "error: run my-login first" >&2\nexit 3\n',
    );
    const kube = connect();
    const err = await whoAmI(kube).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(plugin.exec.command);
    expect((err as Error).message).toContain('exit code 3');
    expect((err as Error).message).toContain('error: run my-login first');
    // A failed run is not cached: the next request runs the plugin again.
    await whoAmI(kube).catch(() => {});
    expect(plugin.runs()).toBe(2);
  });
});
