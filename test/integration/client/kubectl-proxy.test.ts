import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  ApiError,
  ConfigMaps,
  type KubeClient,
  Namespaces,
  TransportError,
  type WatchEvent,
} from '../../../src/client/index.js';
import { type LocalOnlyNeed, missingForTest, skipUnlessAvailable } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';
import { clientFor, whoAmI } from './auth-support.js';

/**
 * Starts the built kubectl's `proxy` on a port of its choosing (`--port=0`) with the admin
 * kubeconfig, and resolves with the address it prints. Rejects if it exits or stays silent.
 */
function startProxy(
  kubectl: string,
  kubeconfig: string,
  extraArgs: string[] = [],
): Promise<{ child: ChildProcess; port: number }> {
  const args = ['proxy', '--port=0', '--address=127.0.0.1', `--kubeconfig=${kubeconfig}`, ...extraArgs];
  const child = spawn(kubectl, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`kubectl proxy printed no address within 15 s: ${output}`)),
      15_000,
    );
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]) });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', fail);
    child.once('exit', (code, signal) =>
      fail(new Error(`kubectl proxy exited (${code ?? signal}): ${output}`)),
    );
  });
}

async function stopProxy(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

// kubectl from the tools/kube-local binaries: against an existing cluster (KUBEKIT_TEST_KUBECONFIG)
// there are none, so no proxy is started and every test skips, saying why.
const NEEDS: LocalOnlyNeed[] = ['binaries'];

describe('a plain-HTTP server URL, as kubectl proxy serves the API', () => {
  const ns = useTestNamespace('proxy');
  const info = inject('kubeLocal');
  const available = missingForTest(NEEDS, info) === undefined;
  beforeEach((ctx) => skipUnlessAvailable(ctx, NEEDS));
  let proxy: ChildProcess | undefined;
  let prefixed: ChildProcess | undefined;
  let port: number;
  let prefixedPort: number;
  let kube: KubeClient;
  beforeAll(async () => {
    if (!available) return;
    const kubectl = join(info.binDir, 'kubectl');
    [{ child: proxy, port }, { child: prefixed, port: prefixedPort }] = await Promise.all([
      startProxy(kubectl, info.kubeconfigPath),
      startProxy(kubectl, info.kubeconfigPath, ['--api-prefix=/kube/']),
    ]);
    // No user at all: the proxy adds the admin credentials on its side.
    kube = clientFor({ server: `http://127.0.0.1:${port}` }, undefined);
  });
  afterAll(async () => {
    await kube?.close();
    await Promise.all([stopProxy(proxy), stopProxy(prefixed)]);
  });

  it('lists namespaces with no credentials of its own, as the proxy’s user', async () => {
    expect(kube.rest.server).toBe(`http://127.0.0.1:${port}`);
    expect(kube.rest.connection.tls).toEqual({ insecureSkipVerify: false });
    const namespaces = await kube.resource(Namespaces).list();
    expect(namespaces.items.map((n) => n.metadata?.name)).toEqual(expect.arrayContaining(['default', ns()]));
    expect((await whoAmI(kube)).username).toBe('kubekit-admin');
  });

  it('writes, reads and watches through the proxy', async () => {
    const cms = kube.resource(ConfigMaps).namespace(ns());
    const list = await cms.list();
    const controller = new AbortController();
    const events: WatchEvent<ConfigMap>[] = [];
    const watching = (async () => {
      for await (const e of cms.watch({
        resourceVersion: list.metadata.resourceVersion,
        signal: controller.signal,
      })) {
        if (e.type === 'BOOKMARK') continue;
        events.push(e);
        if (events.length === 2) break;
      }
    })();
    try {
      await cms.create({ metadata: { name: 'via-proxy' }, data: { v: '1' } });
      await cms.patch('via-proxy', { data: { v: '2' } });
      await watching;
    } finally {
      controller.abort();
    }
    expect(events.map((e) => [e.type, e.object.metadata?.name, e.object.data?.v])).toEqual([
      ['ADDED', 'via-proxy', '1'],
      ['MODIFIED', 'via-proxy', '2'],
    ]);
    expect((await cms.get('via-proxy')).data).toEqual({ v: '2' });
    const missing = await cms.get('not-there').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect((missing as ApiError).code).toBe(404);
  });

  it('takes a scheme-less server address as http when the cluster has no TLS setting', async () => {
    const bare = clientFor({ server: `127.0.0.1:${port}` }, undefined);
    try {
      expect(bare.rest.server).toBe(`http://127.0.0.1:${port}`);
      const namespaces = await bare.resource(Namespaces).list();
      expect(namespaces.items.map((n) => n.metadata?.name)).toContain(ns());
    } finally {
      await bare.close();
    }
  });

  it('keeps the path prefix of a server URL (kubectl proxy --api-prefix) on every request, watches included', async () => {
    const viaPrefix = clientFor({ server: `http://127.0.0.1:${prefixedPort}/kube/` }, undefined);
    try {
      expect(viaPrefix.rest.server).toBe(`http://127.0.0.1:${prefixedPort}/kube`);
      const namespaces = await viaPrefix.resource(Namespaces).list();
      expect(namespaces.items.map((n) => n.metadata?.name)).toContain(ns());
      const cms = viaPrefix.resource(ConfigMaps).namespace(ns());
      const list = await cms.list();
      const controller = new AbortController();
      const first = (async () => {
        for await (const e of cms.watch({
          resourceVersion: list.metadata.resourceVersion,
          signal: controller.signal,
        })) {
          if (e.type !== 'BOOKMARK') return e;
        }
      })();
      try {
        await cms.create({ metadata: { name: 'via-prefix' } });
        const event = await first;
        expect([event?.type, event?.object.metadata?.name]).toEqual(['ADDED', 'via-prefix']);
      } finally {
        controller.abort();
      }
      // Without the prefix the proxy does not serve the API.
      const unprefixed = clientFor({ server: `http://127.0.0.1:${prefixedPort}` }, undefined);
      try {
        const err = await unprefixed
          .resource(Namespaces)
          .list()
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ApiError);
        expect((err as ApiError).code).toBe(404);
      } finally {
        await unprefixed.close();
      }
    } finally {
      await viaPrefix.close();
    }
  });

  it('fails with a TransportError, not a hang, when https is used against the plain-HTTP proxy', async () => {
    const wrong = clientFor(
      { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true },
      undefined,
    );
    try {
      const err = await wrong
        .resource(Namespaces)
        .list()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
    } finally {
      await wrong.close();
    }
  });
});
