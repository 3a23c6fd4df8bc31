import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, type TestContext } from 'vitest';
import { ApiError, type Cluster, Namespaces, TransportError, type User } from '../../../src/client/index.js';
import {
  adminUsername,
  clientFor,
  localEntries,
  skipUnlessCluster,
  tempDir,
  verifiesWithOwnCa,
  whoAmI,
  withoutTrust,
} from './auth-support.js';

/** The request's failure, which must be a TransportError (the server was never asked). */
async function transportFailure(promise: Promise<unknown>): Promise<TransportError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the request must fail, never connect silently').toBeInstanceOf(TransportError);
  expect(err).not.toBeInstanceOf(ApiError);
  return err as TransportError;
}

/**
 * The subject of the cluster's CA (the first certificate of its bundle) in `openssl req -subj`
 * form: `/CN=kube-local-ca` for the local plane (and that as well, for want of another, when an
 * existing cluster's kubeconfig trusts the system roots).
 */
function caSubject(caFile: string): string {
  if (!caFile) return '/CN=kube-local-ca';
  const subject = new X509Certificate(readFileSync(caFile)).subject;
  return subject
    .split('\n')
    .map((part) => `/${part.replaceAll('/', '\\/')}`)
    .join('');
}

/**
 * Tests that leave the CA out or pin a server name need the kubeconfig to verify the server
 * against a CA of its own, as the local plane's does; an existing cluster's may trust the system
 * roots or skip verification (KUBEKIT_TEST_KUBECONFIG runs skip them then).
 */
const needOwnCa = (ctx: TestContext) =>
  skipUnlessCluster(
    ctx,
    verifiesWithOwnCa(),
    'a kubeconfig that verifies the server with a CA bundle of its own',
  );

describe('TLS settings of a kubeconfig cluster against kube-apiserver', () => {
  const dir = tempDir('tls');
  let cluster: Cluster;
  let admin: User;
  let adminName: string;
  let otherCa: string;
  beforeAll(async () => {
    // Admin's context's cluster and user: the local plane's `kube-local` and `admin`, or those
    // of the existing cluster's context (KUBEKIT_TEST_KUBECONFIG).
    ({ cluster, admin } = await localEntries());
    adminName = await adminUsername();
    // A fresh CA with the same subject as the cluster's own: only its key differs, so trust must
    // come from the signature, not the name.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir.path, 'other-ca.key'),
        '-out',
        join(dir.path, 'other-ca.crt'),
        '-days',
        '1',
        '-subj',
        caSubject(inject('kubeLocal').caFile),
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      { stdio: 'pipe' },
    );
    otherCa = join(dir.path, 'other-ca.crt');
  });
  afterAll(() => dir.remove());

  /** The cluster entry with no trust settings: no CA (data or file), no insecure-skip-tls-verify. */
  const withoutCa = (): Cluster => withoutTrust(cluster);

  it('connects with the cluster CA (the control case)', async () => {
    const kube = clientFor(cluster, admin);
    try {
      expect((await whoAmI(kube)).username).toBe(adminName);
    } finally {
      await kube.close();
    }
  });

  it('fails with a certificate-verification TransportError when the CA is a different one', async () => {
    const kube = clientFor({ ...withoutCa(), 'certificate-authority': otherCa }, admin);
    try {
      const err = await transportFailure(kube.resource(Namespaces).list());
      // Node reports a chain it cannot verify against the given roots with one of these codes.
      expect(err.code).toMatch(
        /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_SIGNATURE_FAILURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?)$/,
      );
      expect(err.message).toMatch(/^GET \/api\/v1\/namespaces: /);
      expect(err.message).toMatch(/certificate|verify|signature/i);
      // A second attempt fails the same way: nothing was cached as trusted.
      const again = await transportFailure(kube.resource(Namespaces).list());
      expect(again.code).toBe(err.code);
    } finally {
      await kube.close();
    }
  });

  it('fails the same way with no CA at all (the system roots do not know the cluster CA)', async (ctx) => {
    needOwnCa(ctx);
    const kube = clientFor(withoutCa(), admin);
    try {
      const err = await transportFailure(kube.resource(Namespaces).list());
      expect(err.message).toMatch(/certificate|verify|signature/i);
    } finally {
      await kube.close();
    }
  });

  it('connects without a CA only when insecure-skip-tls-verify is true, and still authenticates', async (ctx) => {
    needOwnCa(ctx);
    const kube = clientFor({ ...withoutCa(), 'insecure-skip-tls-verify': true }, admin);
    try {
      expect((await whoAmI(kube)).username).toBe(adminName);
      const namespaces = await kube.resource(Namespaces).list();
      expect(namespaces.items.map((n) => n.metadata?.name)).toContain('default');
    } finally {
      await kube.close();
    }
    // insecure-skip-tls-verify: false is the default behaviour, not a way to skip.
    const strict = clientFor({ ...withoutCa(), 'insecure-skip-tls-verify': false }, admin);
    try {
      await transportFailure(strict.resource(Namespaces).list());
    } finally {
      await strict.close();
    }
  });

  it('with insecure-skip-tls-verify, errors past TLS are API errors; a CA alongside it is refused', async () => {
    const kube = clientFor({ ...withoutCa(), 'insecure-skip-tls-verify': true }, { token: 'x' });
    try {
      // Connected (TLS accepted) and answered 401 for the bogus token: an ApiError, not a TransportError.
      const err = await kube
        .resource(Namespaces)
        .list()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(401);
    } finally {
      await kube.close();
    }
    expect(() =>
      clientFor(
        { ...withoutCa(), 'insecure-skip-tls-verify': true, 'certificate-authority': otherCa },
        admin,
      ),
    ).toThrow(/insecure-skip-tls-verify/);
  });

  it('verifies the certificate against tls-server-name instead of the URL host', async (ctx) => {
    needOwnCa(ctx);
    // The serving certificate names kubernetes.default.svc but the URL says 127.0.0.1.
    const good = clientFor({ ...cluster, 'tls-server-name': 'kubernetes.default.svc' }, admin);
    try {
      expect((await whoAmI(good)).username).toBe(adminName);
    } finally {
      await good.close();
    }
    const wrong = clientFor({ ...cluster, 'tls-server-name': 'not-the-apiserver.example.com' }, admin);
    try {
      const err = await transportFailure(wrong.resource(Namespaces).list());
      expect(err.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
      expect(err.message).toContain('not-the-apiserver.example.com');
    } finally {
      await wrong.close();
    }
  });
});
