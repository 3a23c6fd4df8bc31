import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Cluster, Namespaces, TransportError, type User } from '../../../src/client/index.js';
import {
  adminUsername,
  clientFor,
  localEntries,
  skipUnlessCluster,
  verifiesWithOwnCa,
  whoAmI,
  withoutTrust,
} from './auth-support.js';

/**
 * An HTTP CONNECT proxy on loopback that records each tunnel it opens and, when `credentials`
 * is set, answers 407 to requests without the matching Proxy-Authorization.
 */
async function startConnectProxy(credentials?: string) {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const expected = credentials && `Basic ${Buffer.from(credentials).toString('base64')}`;
    if (expected && req.headers['proxy-authorization'] !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n');
      return;
    }
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    tunnels,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('proxy-url: requests to the API server through an HTTP CONNECT proxy', () => {
  const info = inject('kubeLocal');
  // What a CONNECT names: host and port, the port even when the URL leaves out https's 443.
  const server = new URL(info.server);
  const target = `${server.hostname}:${server.port || '443'}`;
  let cluster: Cluster;
  let admin: User;
  let adminName: string;
  let open: Proxy;
  let authenticated: Proxy;
  type Proxy = Awaited<ReturnType<typeof startConnectProxy>>;
  beforeAll(async () => {
    // Admin's context's cluster and user: the local plane's `kube-local` and `admin`, or those
    // of the existing cluster's context (KUBEKIT_TEST_KUBECONFIG).
    ({ cluster, admin } = await localEntries());
    adminName = await adminUsername();
    [open, authenticated] = await Promise.all([startConnectProxy(), startConnectProxy('kk-user:s3cret/pw')]);
  });
  afterAll(async () => {
    await Promise.all([open?.close(), authenticated?.close()]);
  });

  it('tunnels to the API server and keeps verifying its certificate and sending the user’s credentials', async () => {
    const kube = clientFor({ ...cluster, 'proxy-url': `http://127.0.0.1:${open.port}` }, admin);
    try {
      expect((await whoAmI(kube)).username).toBe(adminName);
      expect((await kube.resource(Namespaces).list()).items.length).toBeGreaterThan(0);
      expect(open.tunnels).toContain(target);
      expect(open.tunnels.every((t) => t === target)).toBe(true);
    } finally {
      await kube.close();
    }
  });

  it('still rejects a server certificate the configured CA did not sign, through the tunnel', async (ctx) => {
    // Without its CA the server must be untrusted: an existing cluster's kubeconfig may trust
    // the system roots or skip verification instead (KUBEKIT_TEST_KUBECONFIG runs skip then).
    skipUnlessCluster(
      ctx,
      verifiesWithOwnCa(),
      'a kubeconfig that verifies the server with a CA bundle of its own',
    );
    const noCa = withoutTrust(cluster);
    const before = open.tunnels.length;
    const kube = clientFor({ ...noCa, 'proxy-url': `http://127.0.0.1:${open.port}` }, admin);
    try {
      const err = await kube
        .resource(Namespaces)
        .list()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect((err as Error).message).toMatch(/certificate|verify/i);
      // It did go through the proxy: the failure is TLS to the apiserver, not the tunnel.
      expect(open.tunnels.length).toBeGreaterThan(before);
    } finally {
      await kube.close();
    }
  });

  it('sends proxy credentials from the proxy URL, and fails with a TransportError when they are wrong', async () => {
    const good = clientFor(
      { ...cluster, 'proxy-url': `http://kk-user:s3cret%2Fpw@127.0.0.1:${authenticated.port}` },
      admin,
    );
    try {
      expect((await whoAmI(good)).username).toBe(adminName);
      expect(authenticated.tunnels).toContain(target);
    } finally {
      await good.close();
    }
    const bad = clientFor(
      { ...cluster, 'proxy-url': `http://kk-user:wrong@127.0.0.1:${authenticated.port}` },
      admin,
    );
    try {
      const err = await whoAmI(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect((err as Error).message).toContain('407');
      // The proxy password never appears in the error.
      expect((err as Error).message).not.toContain('wrong');
    } finally {
      await bad.close();
    }
  });
});
