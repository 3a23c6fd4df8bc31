import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inClusterConfig, isInCluster } from '../../../../src/client/kubeconfig/in-cluster.js';
import type { Logger } from '../../../../src/common/logger.js';
import { FakeClock } from '../../../../src/testing/fake-clock.js';
import { configErrorOfSync } from './helpers/errors.js';
import { makePki, type TestPki } from './helpers/pki.js';
import { makeTempDir, type TempDir } from './helpers/tmp.js';

const SA = 'var/run/secrets/kubernetes.io/serviceaccount';
const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

let pkiDir: TempDir;
let pki: TestPki;
let root: TempDir;
let clock: FakeClock;
let warnings: Array<{ message: string; fields?: Record<string, unknown> }>;
const logger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (message, fields) => warnings.push({ message, fields }),
  error: () => {},
};

beforeAll(() => {
  pkiDir = makeTempDir();
  pki = makePki(pkiDir);
});
afterAll(() => pkiDir.cleanup());

beforeEach(() => {
  root = makeTempDir('kubekit-in-cluster-');
  clock = new FakeClock();
  warnings = [];
  return () => root.cleanup();
});

function mountServiceAccount(files: { token?: string; ca?: Buffer | string; namespace?: string }) {
  if (files.token !== undefined) root.write(`${SA}/token`, files.token);
  if (files.ca !== undefined) root.write(`${SA}/ca.crt`, files.ca);
  if (files.namespace !== undefined) root.write(`${SA}/namespace`, files.namespace);
}

describe('inClusterConfig', () => {
  it('builds the connection from the service-account mount and the service env vars', async () => {
    mountServiceAccount({ token: 'sa-token-1\n', ca: pki.cert1, namespace: 'team-a\n' });
    const conn = inClusterConfig({ root: root.dir, env, clock, logger });
    expect(conn.server).toBe('https://10.96.0.1:443');
    expect(conn.namespace).toBe('team-a');
    expect(conn.tls).toEqual({ ca: pki.cert1, insecureSkipVerify: false });
    expect(await conn.auth.authorization()).toBe('Bearer sa-token-1');
    expect(conn.identity).toMatch(/^[0-9a-f]{32}$/);
    expect(conn.impersonate).toBeUndefined();
  });

  it('picks up a rotated token after a minute and right after a 401', async () => {
    mountServiceAccount({ token: 'gen-1', ca: pki.cert1 });
    const conn = inClusterConfig({ root: root.dir, env, clock, logger });
    expect(await conn.auth.authorization()).toBe('Bearer gen-1');
    mountServiceAccount({ token: 'gen-2' });
    expect(await conn.auth.authorization()).toBe('Bearer gen-1');
    clock.step(60_000);
    expect(await conn.auth.authorization()).toBe('Bearer gen-2');
    mountServiceAccount({ token: 'gen-3' });
    expect(await conn.auth.invalidate('Bearer gen-2')).toBe(true);
    expect(await conn.auth.authorization()).toBe('Bearer gen-3');
    expect(await conn.auth.invalidate('Bearer gen-3')).toBe(false);
  });

  it('prefers POD_NAMESPACE, then the namespace file, then default', () => {
    mountServiceAccount({ token: 't', ca: pki.cert1, namespace: 'from-file' });
    expect(
      inClusterConfig({ root: root.dir, env: { ...env, POD_NAMESPACE: 'from-env' }, clock }).namespace,
    ).toBe('from-env');
    expect(inClusterConfig({ root: root.dir, env, clock }).namespace).toBe('from-file');
    const bare = makeTempDir('kubekit-in-cluster-');
    bare.write(`${SA}/token`, 't');
    expect(inClusterConfig({ root: bare.dir, env, clock }).namespace).toBe('default');
    bare.cleanup();
  });

  it('brackets an IPv6 service address', () => {
    mountServiceAccount({ token: 't', ca: pki.cert1 });
    const conn = inClusterConfig({
      root: root.dir,
      env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
      clock,
    });
    expect(conn.server).toBe('https://[fd00::1]:443');
  });

  it('uses the system roots with a warning when ca.crt is missing, as client-go does', () => {
    mountServiceAccount({ token: 't' });
    const conn = inClusterConfig({ root: root.dir, env, clock, logger });
    expect(conn.tls.ca).toBeUndefined();
    expect(warnings.map((w) => w.message)).toEqual([
      'in-cluster CA file could not be read; using the system roots',
    ]);
  });

  it('rejects a ca.crt that is not a PEM bundle', () => {
    mountServiceAccount({ token: 't', ca: 'garbage' });
    expect(configErrorOfSync(() => inClusterConfig({ root: root.dir, env, clock }))).toBe(
      `in-cluster configuration: ${root.dir}/${SA}/ca.crt contains no PEM certificate (no "-----BEGIN CERTIFICATE-----" block). Check the service account's CA mount.`,
    );
  });

  it('says it is not in a pod when the service env vars are missing', () => {
    mountServiceAccount({ token: 't', ca: pki.cert1 });
    const msg = configErrorOfSync(() => inClusterConfig({ root: root.dir, env: {}, clock }));
    expect(msg).toContain('KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, which are not set');
    expect(
      configErrorOfSync(() =>
        inClusterConfig({ root: root.dir, env: { ...env, KUBERNETES_SERVICE_PORT: 'https' }, clock }),
      ),
    ).toContain('KUBERNETES_SERVICE_PORT "https" is not a port number');
  });

  it('names the token file when it is missing or empty', () => {
    expect(configErrorOfSync(() => inClusterConfig({ root: root.dir, env, clock }))).toBe(
      `in-cluster configuration: the token file ${root.dir}/${SA}/token could not be read (it does not exist). Fix the path, or make sure the file exists and holds a token.`,
    );
    mountServiceAccount({ token: ' \n' });
    expect(configErrorOfSync(() => inClusterConfig({ root: root.dir, env, clock }))).toContain(
      '(it is empty)',
    );
  });

  it('gives equal identities for equal mounts and shares the token cache', () => {
    mountServiceAccount({ token: 't', ca: pki.cert1 });
    const a = inClusterConfig({ root: root.dir, env, clock });
    const b = inClusterConfig({ root: root.dir, env, clock });
    expect(b.identity).toBe(a.identity);
    expect(b.auth).toBe(a.auth);
    const other = inClusterConfig({
      root: root.dir,
      env: { ...env, KUBERNETES_SERVICE_PORT: '6443' },
      clock,
    });
    expect(other.identity).not.toBe(a.identity);
  });
});

describe('isInCluster', () => {
  it('needs both service variables', () => {
    expect(isInCluster(env)).toBe(true);
    expect(isInCluster({ KUBERNETES_SERVICE_HOST: 'h' })).toBe(false);
    expect(isInCluster({ KUBERNETES_SERVICE_PORT: '443' })).toBe(false);
    expect(isInCluster({})).toBe(false);
  });
});
