import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionConfig } from '../../../../src/client/kubeconfig/connection-config.js';
import { KubeConfig } from '../../../../src/client/kubeconfig/kubeconfig.js';
import { ConfigError } from '../../../../src/common/errors.js';
import type { Logger } from '../../../../src/common/logger.js';
import { FakeClock } from '../../../../src/testing/fake-clock.js';
import { configErrorOf, configErrorOfSync } from './helpers/errors.js';
import { makePki, type TestPki } from './helpers/pki.js';
import { execCredential, type FakePlugin, makeFakePlugin } from './helpers/plugin.js';
import { b64, makeTempDir, type TempDir } from './helpers/tmp.js';

const V1 = 'client.authentication.k8s.io/v1';
const V1BETA1 = 'client.authentication.k8s.io/v1beta1';
const TOKEN = 'exec-token-SECRET-abcdef0123456789';
const KUBECONFIG = '/home/me/.kube/config';

let shared: TempDir;
let pki: TestPki;
let tmp: TempDir;
let plugin: FakePlugin;
let clock: FakeClock;
let logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }>;

const logger: Logger = {
  debug: (message, fields) => logs.push({ level: 'debug', message, fields }),
  info: (message, fields) => logs.push({ level: 'info', message, fields }),
  warn: (message, fields) => logs.push({ level: 'warn', message, fields }),
  error: (message, fields) => logs.push({ level: 'error', message, fields }),
};

beforeAll(() => {
  shared = makeTempDir();
  pki = makePki(shared);
});
afterAll(() => shared.cleanup());

beforeEach(() => {
  tmp = makeTempDir();
  plugin = makeFakePlugin(tmp);
  clock = new FakeClock({ wallTime: Date.parse('2030-01-01T00:00:00Z') });
  logs = [];
});
afterEach(() => tmp.cleanup());

type Obj = Record<string, unknown>;

function kubeconfig(exec: Obj, user: Obj = {}, cluster: Obj = {}): Obj {
  return {
    'current-context': 'ctx',
    clusters: [{ name: 'c', cluster: { server: 'https://k.example:6443', ...cluster } }],
    users: [
      {
        name: 'u',
        user: {
          exec: {
            apiVersion: V1,
            command: plugin.command,
            interactiveMode: 'Never',
            env: plugin.env,
            ...exec,
          },
          ...user,
        },
      },
    ],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
  };
}

function connect(
  exec: Obj = {},
  user: Obj = {},
  cluster: Obj = {},
  execTimeoutMs = 30_000,
): ConnectionConfig {
  return KubeConfig.fromObject(kubeconfig(exec, user, cluster), {
    source: KUBECONFIG,
    clock,
    logger,
    execTimeoutMs,
  }).connectionConfig();
}

describe('exec credential plugins', () => {
  it('runs the plugin with its args and env and sends the token it prints', async () => {
    plugin.respond(execCredential({ token: TOKEN }));
    const conn = connect({
      args: ['--cluster', 'dev cluster'],
      env: [...plugin.env, { name: 'PLUGIN_SEES', value: 'from-kubeconfig' }],
    });
    expect(await conn.auth.authorization()).toBe(`Bearer ${TOKEN}`);
    expect(plugin.args()).toEqual(['--cluster', 'dev cluster']);
    expect(plugin.sawEnv()).toBe('from-kubeconfig');
    expect(plugin.execInfo()).toEqual({
      apiVersion: V1,
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
    expect(await conn.auth.clientCertificate!()).toBeUndefined();
    expect(plugin.runs()).toBe(1);
  });

  it('speaks v1beta1, whose interactiveMode defaults to IfAvailable', async () => {
    plugin.respond(execCredential({ token: TOKEN }, V1BETA1));
    const conn = connect({ apiVersion: V1BETA1, interactiveMode: undefined });
    expect(await conn.auth.authorization()).toBe(`Bearer ${TOKEN}`);
    expect(plugin.execInfo()).toEqual({
      apiVersion: V1BETA1,
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
  });

  it('describes the cluster in KUBERNETES_EXEC_INFO when provideClusterInfo is set', async () => {
    plugin.respond(execCredential({ token: TOKEN }));
    const conn = connect(
      { provideClusterInfo: true },
      {},
      {
        'certificate-authority-data': b64(pki.cert1),
        'tls-server-name': 'kubernetes',
        'proxy-url': 'http://proxy:3128',
        extensions: [
          { name: 'client.authentication.k8s.io/exec', extension: { audience: 'dev' } },
          { name: 'other', extension: 1 },
        ],
      },
    );
    await conn.auth.authorization();
    expect(plugin.execInfo()).toEqual({
      apiVersion: V1,
      kind: 'ExecCredential',
      spec: {
        interactive: false,
        cluster: {
          server: 'https://k.example:6443',
          'tls-server-name': 'kubernetes',
          'certificate-authority-data': b64(pki.cert1),
          'proxy-url': 'http://proxy:3128',
          config: { audience: 'dev' },
        },
      },
    });
  });

  it('caches the credential until its expirationTimestamp, then runs the plugin again', async () => {
    plugin.respond(execCredential({ token: 'first', expirationTimestamp: '2030-01-01T00:10:00Z' }));
    const conn = connect();
    expect(await conn.auth.authorization()).toBe('Bearer first');
    plugin.respond(execCredential({ token: 'second', expirationTimestamp: '2030-01-01T00:20:00Z' }));
    clock.step(9 * 60_000 + 59_000);
    expect(await conn.auth.authorization()).toBe('Bearer first');
    expect(plugin.runs()).toBe(1);
    clock.step(1_000);
    expect(await conn.auth.authorization()).toBe('Bearer second');
    expect(plugin.runs()).toBe(2);
  });

  it('judges expiry by wall time, so a wall-clock jump expires the credential', async () => {
    plugin.respond(execCredential({ token: 'first', expirationTimestamp: '2030-01-01T01:00:00+01:00' }));
    const conn = connect();
    await conn.auth.authorization();
    clock.setWallOffset(60 * 60_000);
    await conn.auth.authorization();
    expect(plugin.runs()).toBe(2);
  });

  it('keeps a credential without expiry until a 401, then re-runs the plugin', async () => {
    plugin.respond(execCredential({ token: 'first' }));
    const conn = connect();
    await conn.auth.authorization();
    clock.step(24 * 60 * 60_000);
    expect(await conn.auth.authorization()).toBe('Bearer first');
    expect(plugin.runs()).toBe(1);
    plugin.respond(execCredential({ token: 'second' }));
    expect(await conn.auth.invalidate('Bearer first')).toBe(true);
    expect(await conn.auth.authorization()).toBe('Bearer second');
    expect(plugin.runs()).toBe(2);
  });

  it('does not refresh again for a 401 on credentials that were already replaced', async () => {
    plugin.respond(execCredential({ token: 'first' }));
    const conn = connect();
    await conn.auth.authorization();
    plugin.respond(execCredential({ token: 'second' }));
    await conn.auth.invalidate('Bearer first');
    await conn.auth.authorization();
    // A slower request that also used "first" reports its 401 now.
    expect(await conn.auth.invalidate('Bearer first')).toBe(true);
    expect(await conn.auth.authorization()).toBe('Bearer second');
    expect(plugin.runs()).toBe(2);
  });

  it('shares one run between concurrent callers', async () => {
    plugin.respond(execCredential({ token: TOKEN }));
    const conn = connect();
    const all = await Promise.all([
      conn.auth.authorization(),
      conn.auth.authorization(),
      conn.auth.clientCertificate!(),
      conn.auth.authorization(),
    ]);
    expect(all).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`, undefined, `Bearer ${TOKEN}`]);
    expect(plugin.runs()).toBe(1);
  });

  it('shares the cached credential between connection configs of the same user', async () => {
    plugin.respond(execCredential({ token: TOKEN }));
    const a = connect();
    const b = connect();
    expect(b.auth).toBe(a.auth);
    expect(b.identity).toBe(a.identity);
    await a.auth.authorization();
    await b.auth.authorization();
    expect(plugin.runs()).toBe(1);
  });

  it('lets an aborted caller go while the run continues for the others', async () => {
    plugin.respond(execCredential({ token: TOKEN }));
    const gate = tmp.path('gate');
    const conn = connect({ env: [...plugin.env, { name: 'WAIT_FOR', value: gate }] });
    const controller = new AbortController();
    const first = conn.auth.authorization(controller.signal);
    const second = conn.auth.authorization();
    controller.abort(new Error('caller gave up'));
    await expect(first).rejects.toThrow('caller gave up');
    tmp.write('gate', '');
    expect(await second).toBe(`Bearer ${TOKEN}`);
    expect(plugin.runs()).toBe(1);
  });

  it('returns the client certificate a plugin supplies, as the same objects until it changes', async () => {
    plugin.respond(
      execCredential({ clientCertificateData: pki.cert1.toString(), clientKeyData: pki.key1.toString() }),
    );
    const conn = connect();
    expect(await conn.auth.authorization()).toBeUndefined();
    const pair = await conn.auth.clientCertificate!();
    expect(pair).toEqual({ cert: pki.cert1, key: pki.key1 });
    expect(await conn.auth.clientCertificate!()).toBe(pair);
    plugin.respond(
      execCredential({ clientCertificateData: pki.cert2.toString(), clientKeyData: pki.key2.toString() }),
    );
    await conn.auth.invalidate();
    const next = await conn.auth.clientCertificate!();
    expect(next).not.toBe(pair);
    expect(next?.cert).toEqual(pki.cert2);
  });

  it('warns about (but still uses once) a credential that expired before it arrived', async () => {
    plugin.respond(execCredential({ token: 'late', expirationTimestamp: '2029-12-31T23:00:00Z' }));
    const conn = connect();
    expect(await conn.auth.authorization()).toBe('Bearer late');
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'exec plugin returned credentials that have already expired',
    ]);
    await conn.auth.authorization();
    expect(plugin.runs()).toBe(2);
    expect(JSON.stringify(logs)).not.toContain('late"');
  });

  it('ignores the plugin when the user also has a static token, as client-go does', async () => {
    const conn = connect({}, { token: TOKEN });
    expect(await conn.auth.authorization()).toBe(`Bearer ${TOKEN}`);
    expect(plugin.runs()).toBe(0);
    expect(logs.some((l) => l.level === 'warn' && l.message.includes('ignoring the exec plugin'))).toBe(true);
  });
});

describe('exec plugin failures', () => {
  const prefix = `kubeconfig ${KUBECONFIG}: user "u": exec plugin`;

  it('reports a failing plugin with its exit code and standard error, and tries again next time', async () => {
    plugin.respond('');
    plugin.exitWith(3);
    const conn = connect({
      env: [...plugin.env, { name: 'STDERR_TEXT', value: 'error: you must log in first\n' }],
    });
    const msg = await configErrorOf(() => conn.auth.authorization());
    expect(msg).toBe(
      `${prefix} ${plugin.command} failed with exit code 3. Its standard error: error: you must log in first Run the plugin by hand to see what it needs (a login, a missing file, a wrong argument).`,
    );
    plugin.exitWith(0);
    plugin.respond(execCredential({ token: TOKEN }));
    expect(await conn.auth.authorization()).toBe(`Bearer ${TOKEN}`);
    expect(plugin.runs()).toBe(2);
  });

  it('redacts tokens that a failing plugin prints on standard error', async () => {
    plugin.exitWith(1);
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const conn = connect({
      env: [
        ...plugin.env,
        { name: 'STDERR_TEXT', value: `refresh failed for ${jwt}; header Bearer ${TOKEN}` },
      ],
    });
    const msg = await configErrorOf(() => conn.auth.authorization());
    expect(msg).toContain('refresh failed for [redacted]; header Bearer [redacted]');
    expect(msg).not.toContain(jwt);
    expect(msg).not.toContain(TOKEN);
  });

  it('shows the install hint when the command is not found', async () => {
    const conn = connect({
      command: 'kubekit-no-such-plugin',
      installHint: 'Install it with: brew install no-such-plugin',
    });
    expect(await configErrorOf(() => conn.auth.authorization())).toBe(
      `${prefix} kubekit-no-such-plugin was not found on PATH. Install it with: brew install no-such-plugin`,
    );
    const noHint = connect({ command: tmp.path('missing/plugin') });
    expect(await configErrorOf(() => noHint.auth.authorization())).toBe(
      `${prefix} ${tmp.path('missing/plugin')} was not found. Install the plugin, or fix exec.command in the kubeconfig (a bare name is looked up on PATH).`,
    );
  });

  it('says when the command is not executable', async () => {
    const file = tmp.write('not-exec.sh', '#!/bin/sh\necho hi\n', 0o644);
    const conn = connect({ command: file });
    expect(await configErrorOf(() => conn.auth.authorization())).toContain(
      `${prefix} ${file} is not executable`,
    );
  });

  it('rejects output that is not JSON without quoting it', async () => {
    plugin.respond(`token=${TOKEN}\n`);
    const msg = await configErrorOf(() => connect().auth.authorization());
    expect(msg).toContain(
      `${prefix} ${plugin.command} printed ${TOKEN.length + 7} bytes that are not JSON on standard output`,
    );
    expect(msg).not.toContain(TOKEN);
  });

  it.each([
    ['nothing', '', 'printed nothing on standard output instead of an ExecCredential JSON object'],
    ['a JSON list', '[1]', 'printed JSON that is not an ExecCredential object'],
    [
      'another kind',
      { apiVersion: V1, kind: 'Secret', status: { token: TOKEN } },
      'printed an object of kind "Secret" instead of ExecCredential',
    ],
    [
      'another apiVersion',
      execCredential({ token: TOKEN }, V1BETA1),
      `returned apiVersion "${V1BETA1}" but the kubeconfig asks for ${V1}`,
    ],
    ['no status', { apiVersion: V1, kind: 'ExecCredential' }, 'returned an ExecCredential without a status'],
    ['an empty status', execCredential({}), 'returned neither a token nor a client certificate and key'],
    ['a numeric token', execCredential({ token: 42 }), 'returned status.token that is not a string'],
    [
      'a certificate without key',
      execCredential({ clientCertificateData: 'x' }),
      'returned only one of clientCertificateData and clientKeyData; it must return both or neither',
    ],
    [
      'a bad expiry',
      execCredential({ token: TOKEN, expirationTimestamp: 'tomorrow' }),
      'returned a status.expirationTimestamp that is not an RFC 3339 time',
    ],
  ])('rejects a plugin that prints %s', async (_label, body, problem) => {
    plugin.respond(body);
    const msg = await configErrorOf(() => connect().auth.authorization());
    expect(msg).toBe(
      `${prefix} ${plugin.command} ${problem}. Fix the plugin or its arguments, or set exec.apiVersion to the version the plugin speaks.`,
    );
  });

  it('rejects a certificate and key from the plugin that do not match', async () => {
    plugin.respond(
      execCredential({ clientCertificateData: pki.cert1.toString(), clientKeyData: pki.key2.toString() }),
    );
    const msg = await configErrorOf(() => connect().auth.clientCertificate!());
    expect(msg).toContain('returned a client certificate and key that do not match');
    expect(msg).not.toContain(pki.key2.toString().split('\n')[1]!);
  });

  it('stops a plugin that does not finish in time, killing its process group', async () => {
    const pidFile = tmp.path('pid');
    const script = tmp.write('slow.sh', `#!/bin/sh\necho $$ > "${pidFile}"\nsleep 30\n`, 0o755);
    const conn = connect({ command: script, env: [] }, {}, {}, 5_000);
    const pending = conn.auth.authorization();
    const outcome = pending.catch((e: unknown) => e);
    await vi.waitFor(() => {
      expect(readFileSync(pidFile, 'utf8').trim()).toMatch(/^\d+$/);
      expect(clock.pendingTimers()).toBe(1);
    });
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    clock.step(5_000);
    const err = await outcome;
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      `${prefix} ${script} did not finish within 5 s and was stopped. It wrote nothing to standard error. Make sure it does not wait for input (kubekit gives plugins no terminal), or raise execTimeoutMs.`,
    );
    await vi.waitFor(() => expect(() => process.kill(pid, 0)).toThrow());
  });

  it('rejects exec configurations that cannot work, when the connection is built', () => {
    const fail = (exec: Obj) => configErrorOfSync(() => connect(exec));
    expect(fail({ interactiveMode: 'Always' })).toContain(
      'user "u": exec.interactiveMode is Always, so the plugin needs a terminal, but kubekit runs plugins without one',
    );
    expect(fail({ interactiveMode: undefined })).toContain(
      'exec.interactiveMode is required for exec.apiVersion v1. Add interactiveMode: Never (or IfAvailable).',
    );
    expect(fail({ interactiveMode: 'Sometimes' })).toContain('exec.interactiveMode "Sometimes" is not valid');
    expect(fail({ apiVersion: 'client.authentication.k8s.io/v1alpha1' })).toContain(
      'exec.apiVersion "client.authentication.k8s.io/v1alpha1" is not supported',
    );
    expect(fail({ apiVersion: undefined })).toContain('exec has no apiVersion');
    expect(fail({ command: undefined })).toContain('exec has no command');
    expect(fail({ env: [{ value: 'x' }] })).toContain('exec.env[0] has no name');
    expect(configErrorOfSync(() => connect({}, { 'auth-provider': { name: 'oidc' } }))).toContain(
      'auth-provider "oidc"',
    );
  });
});
