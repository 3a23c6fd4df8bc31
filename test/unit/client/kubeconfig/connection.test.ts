import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig } from '../../../../src/client/kubeconfig/kubeconfig.js';
import { FakeClock } from '../../../../src/testing/fake-clock.js';
import { configErrorOfSync } from './helpers/errors.js';
import { makePki, type TestPki } from './helpers/pki.js';
import { b64, makeTempDir, type TempDir } from './helpers/tmp.js';

const TOKEN = 'sha256~very-secret-token-0123456789';
const PASSWORD = 'hunter2-is-a-bad-password';

let tmp: TempDir;
let pki: TestPki;

beforeAll(() => {
  tmp = makeTempDir();
  pki = makePki(tmp);
});
afterAll(() => tmp.cleanup());

type Obj = Record<string, unknown>;

/** A one-context kubeconfig with the given cluster and user bodies. */
function config(cluster: Obj, user?: Obj, context: Obj = {}): Obj {
  return {
    'current-context': 'ctx',
    clusters: [{ name: 'c', cluster: { server: 'https://k.example:6443', ...cluster } }],
    users: user === undefined ? [] : [{ name: 'u', user }],
    contexts: [
      { name: 'ctx', context: { cluster: 'c', ...(user === undefined ? {} : { user: 'u' }), ...context } },
    ],
  };
}

function connect(obj: Obj, source = '/home/me/.kube/config') {
  return KubeConfig.fromObject(obj, { source, clock: new FakeClock() }).connectionConfig();
}

function failure(obj: Obj, source = '/home/me/.kube/config'): string {
  return configErrorOfSync(() => connect(obj, source));
}

describe('context selection', () => {
  const two = {
    'current-context': 'a',
    clusters: [
      { name: 'ca', cluster: { server: 'https://a.example' } },
      { name: 'cb', cluster: { server: 'https://b.example' } },
    ],
    contexts: [
      { name: 'a', context: { cluster: 'ca', namespace: 'ns-a' } },
      { name: 'b', context: { cluster: 'cb' } },
    ],
  };

  it('uses current-context by default and the named context when asked', () => {
    const kc = KubeConfig.fromObject(two);
    expect(kc.currentContext).toBe('a');
    expect(kc.connectionConfig().server).toBe('https://a.example');
    expect(kc.connectionConfig().namespace).toBe('ns-a');
    expect(kc.connectionConfig('b').server).toBe('https://b.example');
    expect(kc.connectionConfig('b').namespace).toBe('default');
  });

  it('honours the context option and withContext()', () => {
    expect(KubeConfig.fromObject(two, { context: 'b' }).connectionConfig().server).toBe('https://b.example');
    const kc = KubeConfig.fromObject(two).withContext('b');
    expect(kc.currentContext).toBe('b');
    expect(kc.connectionConfig().server).toBe('https://b.example');
  });

  it('rejects an unknown context option at once, listing the known ones', () => {
    const msg = configErrorOfSync(() => KubeConfig.fromObject(two, { context: 'prod', source: '/k' }));
    expect(msg).toBe('kubeconfig /k: the requested context "prod" is not defined. Use one of: "a", "b".');
    expect(configErrorOfSync(() => KubeConfig.fromObject(two).withContext('nope'))).toContain(
      '"nope" is not defined',
    );
  });

  it('explains a missing current-context', () => {
    const msg = configErrorOfSync(() =>
      KubeConfig.fromObject({ ...two, 'current-context': undefined }, { source: '/k' }).connectionConfig(),
    );
    expect(msg).toBe(
      'kubeconfig /k: no context is selected: current-context is not set (contexts: "a", "b"). Set one with `kubectl config use-context NAME`, or pass a context name.',
    );
  });

  it('explains a current-context that names no context', () => {
    const msg = configErrorOfSync(() =>
      KubeConfig.fromObject({ ...two, 'current-context': 'gone' }, { source: '/k' }).connectionConfig(),
    );
    expect(msg).toContain('kubeconfig /k: current-context "gone" is not defined. Use one of: "a", "b"');
  });

  it('explains an empty config', () => {
    expect(configErrorOfSync(() => KubeConfig.fromObject({}).connectionConfig())).toContain(
      'the kubeconfig: no context is selected: current-context is not set (it defines no contexts)',
    );
  });

  it('names a context that points at a missing cluster or user', () => {
    const base = config({});
    const noCluster = { ...base, contexts: [{ name: 'ctx', context: { cluster: 'elsewhere' } }] };
    expect(failure(noCluster)).toBe(
      'kubeconfig /home/me/.kube/config: context "ctx": refers to cluster "elsewhere", which is not defined in kubeconfig /home/me/.kube/config. Add a cluster named "elsewhere" or point the context at one of: "c".',
    );
    const noUser = { ...base, contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'ghost' } }] };
    expect(failure(noUser)).toContain('context "ctx": refers to user "ghost", which is not defined');
    const unnamed = { ...base, contexts: [{ name: 'ctx', context: { user: 'u' } }] };
    expect(failure(unnamed)).toContain('context "ctx": names no cluster');
  });

  it('allows a context without a user (anonymous) and sends no Authorization header', async () => {
    const conn = connect(config({}));
    expect(await conn.auth.authorization()).toBeUndefined();
    expect(await conn.auth.invalidate()).toBe(false);
    expect(conn.auth.clientCertificate).toBeUndefined();
  });

  it('rejects a namespace that is not a DNS label', () => {
    expect(failure(config({}, undefined, { namespace: 'Team_A' }))).toContain(
      'namespace "Team_A" is not a valid namespace name',
    );
  });

  it('checks only the selected context: a broken unused user does not matter', () => {
    const obj = config({});
    (obj.users as Obj[]).push({ name: 'broken', user: { 'auth-provider': { name: 'gcp' } } });
    expect(connect(obj).server).toBe('https://k.example:6443');
  });
});

describe('cluster settings', () => {
  it.each([
    ['https://k.example:6443', 'https://k.example:6443'],
    ['https://k.example:6443/', 'https://k.example:6443'],
    ['https://k.example/prefix/path/', 'https://k.example/prefix/path'],
    ['HTTPS://K.EXAMPLE', 'https://k.example'],
    ['http://127.0.0.1:8001', 'http://127.0.0.1:8001'],
    ['https://[::1]:6443', 'https://[::1]:6443'],
    ['localhost:8080', 'http://localhost:8080'],
  ])('normalises server %s to %s', (server, expected) => {
    expect(connect(config({ server })).server).toBe(expected);
  });

  it('defaults a scheme-less server to https when TLS settings are present, as client-go does', () => {
    expect(connect(config({ server: '10.0.0.1:6443', 'insecure-skip-tls-verify': true })).server).toBe(
      'https://10.0.0.1:6443',
    );
  });

  it.each([
    ['not a url at all', 'is not a valid URL'],
    ['https://', 'is not a valid URL'],
    ['ftp://files.example', 'uses the scheme ftp, but only https and http are supported'],
    ['https://k.example/?watch=1', 'must not contain a query (?) or fragment (#)'],
  ])('rejects server %s', (server, problem) => {
    expect(failure(config({ server }))).toBe(
      `kubeconfig /home/me/.kube/config: cluster "c": server "${server}" ${problem}. Set server to a URL such as https://127.0.0.1:6443.`,
    );
  });

  it('rejects a server URL with credentials without echoing them', () => {
    const msg = failure(config({ server: `https://admin:${PASSWORD}@k.example` }));
    expect(msg).toContain('contains a username or password');
    expect(msg).toContain('https://***@k.example');
    expect(msg).not.toContain(PASSWORD);
  });

  it('requires a server', () => {
    expect(failure(config({ server: '' }))).toContain(
      'cluster "c": has no server. Set clusters[].cluster.server',
    );
  });

  it('reads the CA from a file or from data and uses system roots otherwise', () => {
    expect(connect(config({ 'certificate-authority': pki.cert1Path })).tls.ca).toEqual(pki.cert1);
    expect(connect(config({ 'certificate-authority-data': b64(pki.cert1) })).tls.ca).toEqual(pki.cert1);
    const bundle = Buffer.concat([pki.cert1, pki.cert2]);
    expect(connect(config({ 'certificate-authority-data': b64(bundle) })).tls.ca).toEqual(bundle);
    const plain = connect(config({}));
    expect(plain.tls.ca).toBeUndefined();
    expect(plain.tls.insecureSkipVerify).toBe(false);
  });

  it('resolves a relative CA path against the kubeconfig file', () => {
    const file = tmp.write('rel/config', '');
    tmp.write('rel/certs/ca.crt', pki.cert1);
    const conn = connect(config({ 'certificate-authority': 'certs/ca.crt' }), file);
    expect(conn.tls.ca).toEqual(pki.cert1);
  });

  it('names an unreadable CA file', () => {
    const missing = tmp.path('nope/ca.crt');
    expect(failure(config({ 'certificate-authority': missing }))).toBe(
      `kubeconfig /home/me/.kube/config: cluster "c": certificate-authority ${missing} could not be read (it does not exist). Fix the path, or inline the bundle with certificate-authority-data.`,
    );
  });

  it('rejects CA material that is not a PEM certificate', () => {
    const junk = tmp.write('junk.crt', 'hello');
    expect(failure(config({ 'certificate-authority': junk }))).toContain(
      `certificate-authority ${junk} contains no PEM certificate`,
    );
    const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(failure(config({ 'certificate-authority-data': b64(broken) }))).toContain(
      'certificate-authority-data holds a certificate that does not parse as X.509',
    );
    expect(
      failure(config({ 'certificate-authority-data': b64(Buffer.concat([pki.cert1, Buffer.from(broken)])) })),
    ).toContain('number 2 of 2');
    expect(failure(config({ 'certificate-authority-data': 'not base64!' }))).toContain(
      'certificate-authority-data is not valid base64',
    );
  });

  it('rejects both CA forms, and insecure-skip-tls-verify combined with a CA', () => {
    expect(
      failure(
        config({ 'certificate-authority': pki.cert1Path, 'certificate-authority-data': b64(pki.cert1) }),
      ),
    ).toContain('sets both certificate-authority and certificate-authority-data');
    expect(
      failure(config({ 'certificate-authority-data': b64(pki.cert1), 'insecure-skip-tls-verify': true })),
    ).toContain('insecure-skip-tls-verify is true and a certificate authority is also set');
  });

  it('skips verification only when the kubeconfig says so', () => {
    expect(connect(config({ 'insecure-skip-tls-verify': true })).tls.insecureSkipVerify).toBe(true);
    expect(connect(config({ 'insecure-skip-tls-verify': false })).tls.insecureSkipVerify).toBe(false);
  });

  it('passes tls-server-name, proxy-url and disable-compression through', () => {
    const conn = connect(
      config({
        'tls-server-name': 'kubernetes.default',
        'proxy-url': 'socks5://127.0.0.1:1080',
        'disable-compression': true,
      }),
    );
    expect(conn.tls.serverName).toBe('kubernetes.default');
    expect(conn.proxyUrl).toBe('socks5://127.0.0.1:1080');
    expect(conn.disableCompression).toBe(true);
    const plain = connect(config({}));
    expect(plain.tls.serverName).toBeUndefined();
    expect(plain.proxyUrl).toBeUndefined();
    expect(plain.disableCompression).toBeUndefined();
  });

  it('rejects a proxy URL with an unsupported scheme without echoing its password', () => {
    const msg = failure(config({ 'proxy-url': `ftp://u:${PASSWORD}@p.example` }));
    expect(msg).toContain('proxy-url "ftp://***@p.example" uses the unsupported scheme ftp');
    expect(msg).not.toContain(PASSWORD);
    expect(failure(config({ 'proxy-url': 'proxy:3128' }))).toContain('proxy-url "proxy:3128"');
  });
});

describe('user settings', () => {
  it('sends a static token as a bearer token and does not retry a 401', async () => {
    const conn = connect(config({}, { token: TOKEN }));
    expect(await conn.auth.authorization()).toBe(`Bearer ${TOKEN}`);
    expect(await conn.auth.invalidate()).toBe(false);
  });

  it('sends basic auth', async () => {
    const conn = connect(config({}, { username: 'admin', password: PASSWORD }));
    expect(await conn.auth.authorization()).toBe(`Basic ${b64(`admin:${PASSWORD}`)}`);
    expect(await conn.auth.invalidate()).toBe(false);
  });

  it('reads tokenFile (relative to the kubeconfig) and names it when it is missing', async () => {
    const file = tmp.write('tok/config', '');
    tmp.write('tok/token', `${TOKEN}\n`);
    const conn = connect(config({}, { tokenFile: 'token' }), file);
    expect(await conn.auth.authorization()).toBe(`Bearer ${TOKEN}`);
    const missing = tmp.path('tok/absent');
    expect(failure(config({}, { tokenFile: missing }))).toBe(
      `kubeconfig /home/me/.kube/config: user "u": the token file ${missing} could not be read (it does not exist). Fix the path, or make sure the file exists and holds a token.`,
    );
    const empty = tmp.write('tok/empty', '\n');
    expect(failure(config({}, { tokenFile: empty }))).toContain('could not be read (it is empty)');
  });

  it.each([
    ['token and tokenFile', { token: TOKEN, tokenFile: '/t' }, 'sets both token and tokenFile'],
    [
      'token and basic auth',
      { token: TOKEN, username: 'a', password: PASSWORD },
      'sets both a bearer token and username/password',
    ],
    ['a password alone', { password: PASSWORD }, 'sets a password but no username'],
    ['uid without as', { 'as-uid': '42' }, 'sets as-uid, as-groups or as-user-extra without as'],
    ['groups without as', { 'as-groups': ['g'] }, 'sets as-uid, as-groups or as-user-extra without as'],
  ])('rejects %s without echoing secrets', (_label, user, problem) => {
    const msg = failure(config({}, user));
    expect(msg).toContain(`user "u": ${problem}`);
    expect(msg).not.toContain(TOKEN);
    expect(msg).not.toContain(PASSWORD);
  });

  it('rejects a legacy auth-provider and points to exec plugins', () => {
    expect(failure(config({}, { 'auth-provider': { name: 'gcp', config: { 'access-token': TOKEN } } }))).toBe(
      'kubeconfig /home/me/.kube/config: user "u": uses auth-provider "gcp", which kubekit does not support (client-go removed the built-in providers). Replace it with an exec credential plugin, e.g. gke-gcloud-auth-plugin for GKE or kubelogin for Azure and OIDC.',
    );
  });

  it('maps impersonation fields', () => {
    const conn = connect(
      config(
        {},
        {
          token: TOKEN,
          as: 'jane',
          'as-uid': '1234',
          'as-groups': ['dev', 'ops'],
          'as-user-extra': { reason: ['audit'] },
        },
      ),
    );
    expect(conn.impersonate).toEqual({
      user: 'jane',
      uid: '1234',
      groups: ['dev', 'ops'],
      extra: { reason: ['audit'] },
    });
    expect(connect(config({}, { as: 'jane' })).impersonate).toEqual({ user: 'jane' });
    expect(connect(config({}, { token: TOKEN })).impersonate).toBeUndefined();
  });

  describe('client certificates', () => {
    it('loads a certificate and key from files or data', async () => {
      const fromFiles = connect(
        config({}, { 'client-certificate': pki.cert1Path, 'client-key': pki.key1Path }),
      );
      expect(fromFiles.tls.cert).toEqual(pki.cert1);
      expect(fromFiles.tls.key).toEqual(pki.key1);
      expect(await fromFiles.auth.authorization()).toBeUndefined();
      const fromData = connect(
        config({}, { 'client-certificate-data': b64(pki.cert1), 'client-key-data': b64(pki.key1) }),
      );
      expect(fromData.tls.cert).toEqual(pki.cert1);
      expect(fromData.tls.key).toEqual(pki.key1);
      const mixed = connect(
        config({}, { 'client-certificate': pki.cert1Path, 'client-key-data': b64(pki.key1), token: TOKEN }),
      );
      expect(mixed.tls.key).toEqual(pki.key1);
      expect(await mixed.auth.authorization()).toBe(`Bearer ${TOKEN}`);
    });

    it('names an unreadable certificate or key file', () => {
      const missing = tmp.path('missing.crt');
      expect(failure(config({}, { 'client-certificate': missing, 'client-key': pki.key1Path }))).toBe(
        `kubeconfig /home/me/.kube/config: user "u": client-certificate ${missing} could not be read (it does not exist). Fix the path, or inline the PEM with client-certificate-data.`,
      );
      expect(failure(config({}, { 'client-certificate': pki.cert1Path, 'client-key': tmp.dir }))).toContain(
        `client-key ${tmp.dir} could not be read (it is a directory)`,
      );
    });

    it('rejects a certificate without a key and the reverse', () => {
      expect(failure(config({}, { 'client-certificate': pki.cert1Path }))).toContain(
        'has a client certificate but no client key',
      );
      expect(failure(config({}, { 'client-key-data': b64(pki.key1) }))).toContain(
        'has a client key but no client certificate',
      );
      expect(
        failure(
          config(
            {},
            {
              'client-certificate': pki.cert1Path,
              'client-certificate-data': b64(pki.cert1),
              'client-key': pki.key1Path,
            },
          ),
        ),
      ).toContain('sets both client-certificate and client-certificate-data');
    });

    it('rejects material that does not parse, and a key that belongs to another certificate', () => {
      const garbage = tmp.write('garbage.pem', 'not pem at all');
      expect(failure(config({}, { 'client-certificate': garbage, 'client-key': pki.key1Path }))).toContain(
        `client-certificate ${garbage} contains no PEM certificate`,
      );
      expect(
        failure(config({}, { 'client-certificate': pki.cert1Path, 'client-key': pki.cert1Path })),
      ).toContain(`client-key ${pki.cert1Path} contains no PEM private key`);
      const brokenKey = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n';
      const msg = failure(
        config({}, { 'client-certificate': pki.cert1Path, 'client-key-data': b64(brokenKey) }),
      );
      expect(msg).toContain('client-key-data holds a private key that does not parse');
      expect(msg).not.toContain('AAAA');
      const encrypted = '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n';
      expect(
        failure(config({}, { 'client-certificate': pki.cert1Path, 'client-key-data': b64(encrypted) })),
      ).toContain('holds an encrypted private key');
      expect(
        failure(config({}, { 'client-certificate': pki.cert1Path, 'client-key': pki.key2Path })),
      ).toContain(
        `the client key does not belong to the client certificate (client-certificate ${pki.cert1Path}, client-key ${pki.key2Path})`,
      );
    });

    it('never puts key material into messages', () => {
      const msg = failure(
        config({}, { 'client-certificate': pki.cert2Path, 'client-key-data': b64(pki.key1) }),
      );
      expect(msg).not.toContain(pki.key1.toString().split('\n')[1]!);
      expect(msg).not.toContain(b64(pki.key1).slice(0, 40));
    });
  });
});

describe('identity', () => {
  it('is equal for equal configurations and differs by cluster, user and credential', () => {
    const a = connect(config({}, { token: TOKEN })).identity;
    expect(connect(config({}, { token: TOKEN })).identity).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(connect(config({}, { token: `${TOKEN}x` })).identity).not.toBe(a);
    expect(connect(config({ server: 'https://other.example' }, { token: TOKEN })).identity).not.toBe(a);
    expect(connect(config({}, { token: TOKEN, as: 'jane' })).identity).not.toBe(a);
    expect(connect(config({ 'insecure-skip-tls-verify': true }, { token: TOKEN })).identity).not.toBe(a);
  });

  it('does not contain the token or password', () => {
    const conn = connect(config({}, { username: 'admin', password: PASSWORD }));
    expect(conn.identity).not.toContain(PASSWORD);
    expect(conn.identity).not.toContain(b64(`admin:${PASSWORD}`));
  });
});
