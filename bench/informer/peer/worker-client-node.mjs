// Worker: @kubernetes/client-node 2.0.x's informer (`makeInformer` over
// CoreV1Api.listNamespacedConfigMap, as its README shows) for ConfigMaps in one namespace, driven
// by main.ts (protocol in ../worker.ts). Plain JS so the root typecheck never needs the peer
// installed; it lives in peer/ so that the import below resolves to peer/node_modules.
//
// client-node has no transform hook. The same effect as kubekit's and client-go's
// stripManagedFields: the list function clears metadata.managedFields of every listed item, and
// the add/update handlers — which client-node calls with the very object it has just put in its
// cache — clear it on objects that arrive by watch. `= undefined` rather than `delete` keeps
// V8's fast object shape (the cheaper choice for the peer).
//
//   node --expose-gc --import tsx bench/informer/peer/worker-client-node.mjs --kubeconfig=… --namespace=… --expect=50000
import { createRequire } from 'node:module';
import { CoreV1Api, KubeConfig, makeInformer } from '@kubernetes/client-node';
import { arg, runWorker } from '../worker.ts';

const kubeconfig = arg('kubeconfig');
const namespace = arg('namespace');
if (!kubeconfig || !namespace) throw new Error('--kubeconfig and --namespace are required');
const expect = Number(arg('expect') ?? 50000);
const version = createRequire(import.meta.url)('@kubernetes/client-node/package.json').version;

const strip = (obj) => {
  if (obj?.metadata?.managedFields) obj.metadata.managedFields = undefined;
};

await runWorker(
  { peerVersion: version },
  (recorder) => {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const api = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer(kc, `/api/v1/namespaces/${namespace}/configmaps`, async () => {
      const list = await api.listNamespacedConfigMap({ namespace });
      for (const item of list.items) strip(item);
      return list;
    });
    let started = false;
    informer.on('add', (obj) => {
      strip(obj);
      recorder.onAdd();
    });
    informer.on('update', (obj) => {
      strip(obj);
      recorder.onUpdate(obj);
    });
    informer.on('delete', recorder.onDelete);
    informer.on('error', (err) => process.stderr.write(`client-node informer error: ${err}\n`));
    return {
      // start() resolves once the list is in the cache and the watch is open.
      start: async () => {
        await informer.start();
        started = true;
      },
      hasSynced: () => started,
      cacheSize: () => informer.list(namespace).length,
      stop: () => informer.stop(),
    };
  },
  expect,
);
