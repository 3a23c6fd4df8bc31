import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  kubeconfigLocations,
  loadDefaultConnection,
  loadKubeConfig,
} from '../../../../src/client/kubeconfig/load.js';
import { FakeClock } from '../../../../src/testing/fake-clock.js';
import { configErrorOf } from './helpers/errors.js';
import { makeTempDir, type TempDir } from './helpers/tmp.js';

let tmp: TempDir;
let clock: FakeClock;

beforeEach(() => {
  tmp = makeTempDir('kubekit-load-');
  clock = new FakeClock();
});
afterEach(() => tmp.cleanup());

type Obj = Record<string, unknown>;

function writeConfig(rel: string, body: Obj): string {
  return tmp.write(rel, stringify({ apiVersion: 'v1', kind: 'Config', ...body }));
}

const cluster = (name: string, server: string, extra: Obj = {}) => ({ name, cluster: { server, ...extra } });
const context = (name: string, clusterName: string, extra: Obj = {}) => ({
  name,
  context: { cluster: clusterName, ...extra },
});

describe('kubeconfigLocations', () => {
  it('splits KUBECONFIG on ":", drops empty entries and duplicates, and resolves relative entries', () => {
    const env = { KUBECONFIG: `/a/config::/b/config:/a/config:rel/config:` };
    expect(kubeconfigLocations({ env })).toEqual({
      paths: ['/a/config', '/b/config', path.resolve('rel/config')],
      from: 'KUBECONFIG',
    });
  });

  it('uses an explicit path alone, else ~/.kube/config', () => {
    expect(kubeconfigLocations({ kubeconfig: '/x/y', env: { KUBECONFIG: '/a' } })).toEqual({
      paths: ['/x/y'],
      from: 'explicit',
    });
    expect(kubeconfigLocations({ env: { HOME: '/home/me' } })).toEqual({
      paths: ['/home/me/.kube/config'],
      from: 'home',
    });
    expect(kubeconfigLocations({ env: { HOME: '/home/me' }, homeDir: '/other' }).paths).toEqual([
      '/other/.kube/config',
    ]);
    expect(kubeconfigLocations({ env: { KUBECONFIG: '' }, homeDir: '/h' }).from).toBe('home');
  });
});

describe('loadKubeConfig', () => {
  it('merges a KUBECONFIG list: first definition of a name wins, whole, and the first current-context wins', async () => {
    const first = writeConfig('one/config', {
      'current-context': 'x',
      clusters: [cluster('a', 'https://first.example')],
      users: [{ name: 'u', user: { token: 'first-token' } }],
      contexts: [context('x', 'a', { user: 'u' })],
    });
    const second = writeConfig('two/config', {
      'current-context': 'y',
      clusters: [
        cluster('a', 'https://second.example', { 'tls-server-name': 'from-second' }),
        cluster('b', 'https://b.example'),
      ],
      users: [
        { name: 'u', user: { token: 'second-token' } },
        { name: 'v', user: {} },
      ],
      contexts: [context('x', 'b'), context('y', 'b')],
    });
    const kc = await loadKubeConfig({ env: { KUBECONFIG: `${first}:${second}` }, clock });
    expect(kc.sources).toEqual([first, second]);
    expect(kc.currentContext).toBe('x');
    expect([...kc.clusters.keys()]).toEqual(['a', 'b']);
    expect(kc.clusters.get('a')).toEqual({
      name: 'a',
      cluster: { server: 'https://first.example' },
      source: first,
    });
    expect(kc.clusters.get('b')!.source).toBe(second);
    expect([...kc.users.keys()]).toEqual(['u', 'v']);
    expect(kc.contexts.get('x')!.context.cluster).toBe('a');
    expect(kc.contexts.get('y')!.source).toBe(second);
    const conn = kc.connectionConfig();
    expect(conn.server).toBe('https://first.example');
    expect(await conn.auth.authorization()).toBe('Bearer first-token');
    expect(kc.connectionConfig('y').server).toBe('https://b.example');
  });

  it('takes current-context from a later file when earlier ones do not set it', async () => {
    const first = writeConfig('one/config', { clusters: [cluster('a', 'https://a.example')] });
    const second = writeConfig('two/config', { 'current-context': 'y', contexts: [context('y', 'a')] });
    const kc = await loadKubeConfig({ env: { KUBECONFIG: `${first}:${second}` } });
    expect(kc.currentContext).toBe('y');
    expect(kc.connectionConfig().server).toBe('https://a.example');
  });

  it('resolves relative paths against the directory of the file that holds them', async () => {
    const first = writeConfig('one/config', {
      clusters: [cluster('a', 'https://a.example', { 'certificate-authority': 'ca.crt' })],
    });
    const second = writeConfig('two/nested/config', {
      users: [{ name: 'u', user: { tokenFile: '../token' } }],
    });
    const kc = await loadKubeConfig({ env: { KUBECONFIG: `${first}:${second}` } });
    expect(kc.clusters.get('a')!.cluster['certificate-authority']).toBe(tmp.path('one/ca.crt'));
    expect(kc.users.get('u')!.user.tokenFile).toBe(tmp.path('two/token'));
  });

  it('skips missing files in KUBECONFIG but fails when none exists', async () => {
    const present = writeConfig('config', { 'current-context': 'x' });
    const missing = tmp.path('missing');
    const kc = await loadKubeConfig({ env: { KUBECONFIG: `${missing}:${present}` } });
    expect(kc.sources).toEqual([present]);
    expect(kc.currentContext).toBe('x');
    const other = tmp.path('also-missing');
    expect(await configErrorOf(() => loadKubeConfig({ env: { KUBECONFIG: `${missing}:${other}` } }))).toBe(
      `none of the kubeconfig files listed in KUBECONFIG exists (${missing}, ${other}). Fix KUBECONFIG, or unset it to use ~/.kube/config.`,
    );
  });

  it('fails on a listed file that exists but cannot be read', async () => {
    const dir = tmp.path('adir');
    tmp.write('adir/x', '');
    expect(await configErrorOf(() => loadKubeConfig({ env: { KUBECONFIG: dir } }))).toBe(
      `kubeconfig ${dir} (listed in KUBECONFIG) could not be read (it is a directory). Fix its permissions or remove it from KUBECONFIG.`,
    );
  });

  it('names the file with a YAML error, even when it is not the first', async () => {
    const good = writeConfig('good', {});
    const bad = tmp.write('bad', 'clusters:\n- name: a\n\tcluster: {}\n');
    const msg = await configErrorOf(() => loadKubeConfig({ env: { KUBECONFIG: `${good}:${bad}` } }));
    expect(msg).toMatch(new RegExp(`^kubeconfig ${bad}: is not valid YAML: .* at line 3, column 1\\.`));
  });

  it('uses an explicit kubeconfig alone, and requires it to exist', async () => {
    const explicit = writeConfig('explicit', { 'current-context': 'e' });
    const listed = writeConfig('listed', { 'current-context': 'l' });
    const kc = await loadKubeConfig({ kubeconfig: explicit, env: { KUBECONFIG: listed } });
    expect(kc.currentContext).toBe('e');
    expect(kc.sources).toEqual([explicit]);
    const missing = tmp.path('nope');
    expect(await configErrorOf(() => loadKubeConfig({ kubeconfig: missing }))).toBe(
      `kubeconfig ${missing} could not be read (it does not exist). Fix the path passed as kubeconfig.`,
    );
  });

  it('falls back to ~/.kube/config and says so when it is missing', async () => {
    const home = tmp.path('home');
    writeConfig('home/.kube/config', { 'current-context': 'h' });
    expect((await loadKubeConfig({ env: {}, homeDir: home })).currentContext).toBe('h');
    expect((await loadKubeConfig({ env: { HOME: home } })).currentContext).toBe('h');
    const empty = tmp.path('empty-home');
    expect(await configErrorOf(() => loadKubeConfig({ env: {}, homeDir: empty }))).toBe(
      `no kubeconfig found: KUBECONFIG is not set and ${empty}/.kube/config does not exist. Create it (e.g. with kubectl config), or set KUBECONFIG.`,
    );
  });

  it('applies and checks the context option', async () => {
    const file = writeConfig('config', {
      'current-context': 'x',
      clusters: [cluster('a', 'https://a.example'), cluster('b', 'https://b.example')],
      contexts: [context('x', 'a'), context('y', 'b')],
    });
    const kc = await loadKubeConfig({ kubeconfig: file, context: 'y' });
    expect(kc.currentContext).toBe('y');
    expect(kc.connectionConfig().server).toBe('https://b.example');
    expect(await configErrorOf(() => loadKubeConfig({ kubeconfig: file, context: 'z' }))).toBe(
      `kubeconfig ${file}: the requested context "z" is not defined. Use one of: "x", "y".`,
    );
  });
});

describe('loadDefaultConnection', () => {
  const podEnv = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
  const SA = 'root/var/run/secrets/kubernetes.io/serviceaccount';
  const simple = (server: string) => ({
    'current-context': 'x',
    clusters: [cluster('a', server)],
    contexts: [context('x', 'a', { namespace: 'ns' })],
  });

  it('prefers KUBECONFIG, even inside a pod', async () => {
    const file = writeConfig('config', simple('https://from-kubeconfig.example'));
    tmp.write(`${SA}/token`, 't');
    const conn = await loadDefaultConnection({
      env: { ...podEnv, KUBECONFIG: file },
      root: tmp.path('root'),
      clock,
    });
    expect(conn.server).toBe('https://from-kubeconfig.example');
    expect(conn.namespace).toBe('ns');
  });

  it('uses ~/.kube/config when KUBECONFIG is not set', async () => {
    writeConfig('home/.kube/config', simple('https://from-home.example'));
    const conn = await loadDefaultConnection({
      env: podEnv,
      homeDir: tmp.path('home'),
      root: tmp.path('root'),
      clock,
    });
    expect(conn.server).toBe('https://from-home.example');
  });

  it('falls back to the in-cluster service account when there is no kubeconfig', async () => {
    tmp.write(`${SA}/token`, 'sa-token');
    tmp.write(`${SA}/namespace`, 'pod-ns');
    const conn = await loadDefaultConnection({
      env: podEnv,
      homeDir: tmp.path('home'),
      root: tmp.path('root'),
      clock,
    });
    expect(conn.server).toBe('https://10.0.0.1:443');
    expect(conn.namespace).toBe('pod-ns');
    expect(await conn.auth.authorization()).toBe('Bearer sa-token');
  });

  it('falls back to in-cluster when ~/.kube/config exists but is empty, as client-go does', async () => {
    tmp.write('home/.kube/config', '');
    tmp.write(`${SA}/token`, 'sa-token');
    const conn = await loadDefaultConnection({
      env: podEnv,
      homeDir: tmp.path('home'),
      root: tmp.path('root'),
      clock,
    });
    expect(conn.server).toBe('https://10.0.0.1:443');
  });

  it('explains every option when nothing is configured', async () => {
    const home = tmp.path('home');
    expect(await configErrorOf(() => loadDefaultConnection({ env: {}, homeDir: home }))).toBe(
      `no Kubernetes configuration found: KUBECONFIG is not set, ${home}/.kube/config does not exist, and this is not a pod (KUBERNETES_SERVICE_HOST is not set). Set KUBECONFIG, create ${home}/.kube/config, or run in a pod.`,
    );
  });

  it('refuses a requested context when only the in-cluster configuration is available', async () => {
    tmp.write(`${SA}/token`, 't');
    const msg = await configErrorOf(() =>
      loadDefaultConnection({
        env: podEnv,
        homeDir: tmp.path('home'),
        root: tmp.path('root'),
        context: 'prod',
      }),
    );
    expect(msg).toContain('context "prod" was requested, but there is no kubeconfig');
  });

  it('reports kubeconfig problems instead of silently falling back', async () => {
    const file = writeConfig('config', { ...simple('https://a.example'), 'current-context': 'missing' });
    tmp.write(`${SA}/token`, 't');
    expect(
      await configErrorOf(() =>
        loadDefaultConnection({ env: { ...podEnv, KUBECONFIG: file }, root: tmp.path('root') }),
      ),
    ).toContain('current-context "missing" is not defined');
  });

  it('uses an explicit kubeconfig path', async () => {
    const file = writeConfig('explicit', simple('https://explicit.example'));
    expect((await loadDefaultConnection({ kubeconfig: file, env: {} })).server).toBe(
      'https://explicit.example',
    );
  });
});
