// `npm run demo`: kubekit talking to a real Kubernetes API server. Without KUBECONFIG it builds
// (first run only) and starts a local control plane — etcd and kube-apiserver from the Go
// module proxy — and stops it at the end; with KUBECONFIG it uses that cluster's current
// context and touches only a namespace it creates and deletes.
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import {
  ConfigMaps,
  isForbidden,
  KubeClient,
  listAll,
  Namespaces,
  retryOnConflict,
  type WatchEvent,
} from '../src/index.js';
import { LocalControlPlane } from '../src/testing/index.js';

const started = performance.now();
const ignore = () => {};
// The launcher's debug lines and warnings are noise here; its info lines are progress.
const quiet = { debug: ignore, info: ignore, warn: ignore, error: ignore };
const say = (line: string) =>
  console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);

let plane: LocalControlPlane | undefined;
let kube: KubeClient;
if (process.env.KUBECONFIG) {
  kube = await KubeClient.load({ qps: 20, burst: 40 });
  say(`using the cluster of KUBECONFIG at ${kube.rest.server}`);
} else {
  say('no KUBECONFIG: starting a local control plane (the first run builds Kubernetes from source, ~10 min)');
  plane = await LocalControlPlane.start({ logger: { ...quiet, info: (m) => say(m) } });
  kube = await KubeClient.load({ qps: 20, burst: 40, connection: { kubeconfig: plane.kubeconfigPath } });
  say(`kubeconfig for kubectl: ${plane.kubeconfigPath}`);
}

const namespace = `kubekit-demo-${Date.now().toString(36)}`;
const watchAbort = new AbortController();
let watching: Promise<void> | undefined;
try {
  const version = await kube.discovery.serverVersion();
  say(`server is Kubernetes ${version.gitVersion} (${version.platform ?? 'unknown platform'})`);

  const namespaces = await listAll(kube.resource(Namespaces));
  say(`${namespaces.items.length} namespaces: ${namespaces.items.map((n) => n.metadata?.name).join(', ')}`);

  await kube
    .resource(Namespaces)
    .create({ metadata: { name: namespace, labels: { 'app.kubernetes.io/created-by': 'kubekit-demo' } } });
  say(`created namespace ${namespace}`);
  const configMaps = kube.resource(ConfigMaps).namespace(namespace);

  // Watch from the list's resourceVersion: every change after the list arrives, in order.
  const list = await configMaps.list();
  const seen: WatchEvent<ConfigMap>[] = [];
  watching = (async () => {
    for await (const event of configMaps.watch({
      resourceVersion: list.metadata.resourceVersion,
      signal: watchAbort.signal,
    })) {
      if (event.type === 'BOOKMARK') continue;
      seen.push(event);
      const data = JSON.stringify(event.object.data ?? {});
      say(
        `  watch: ${event.type.padEnd(8)} ${event.object.metadata?.name} rv=${event.object.metadata?.resourceVersion} data=${data}`,
      );
    }
  })().catch((err) => {
    if (!watchAbort.signal.aborted) say(`  watch ended: ${err}`);
  });

  say('creating three ConfigMaps');
  for (const color of ['red', 'green', 'blue']) {
    await configMaps.create({ metadata: { name: `color-${color}` }, data: { color } });
  }
  say('updating color-red twice concurrently (optimistic concurrency + retryOnConflict)');
  await Promise.all(
    ['crimson', 'scarlet'].map((shade) =>
      retryOnConflict(async () => {
        const current = await configMaps.get('color-red');
        await configMaps.update({ ...current, data: { ...current.data, [shade]: 'yes' } });
      }),
    ),
  );
  say('server-side apply of color-green by field manager "kubekit-demo"');
  await configMaps.apply(
    { metadata: { name: 'color-green' }, data: { color: 'green', hex: '#00ff00' } },
    { fieldManager: 'kubekit-demo', force: true },
  );
  say('deleting color-blue');
  await configMaps.delete('color-blue');

  for (let i = 0; i < 50 && seen.length < 7; i++) await new Promise((r) => setTimeout(r, 100));
  say(`the watch saw ${seen.length} events: ${seen.map((e) => e.type).join(', ')}`);

  if (plane) {
    const restricted = await KubeClient.load({
      connection: { kubeconfig: plane.kubeconfigPath, context: plane.users.restricted.context },
    });
    const denied = await restricted
      .resource(ConfigMaps)
      .namespace(namespace)
      .list()
      .catch((e: unknown) => e);
    say(
      `a user without RBAC permissions is refused: isForbidden=${isForbidden(denied)} (${(denied as Error).message.split(':').slice(-1)[0]?.trim()})`,
    );
    await restricted.close();
  }
} finally {
  watchAbort.abort();
  await watching;
  await kube
    .resource(Namespaces)
    .delete(namespace)
    .catch(() => {});
  say(`deleted namespace ${namespace}`);
  await kube.close();
  if (plane) {
    await plane.stop();
    say('stopped the local control plane');
  }
}
