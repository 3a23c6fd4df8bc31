/**
 * Worker: kubekit's shared informer for ConfigMaps in one namespace, with `stripManagedFields`,
 * driven by main.ts (protocol in worker.ts). Run as
 *   node --expose-gc --import tsx bench/informer/worker-kubekit.ts --kubeconfig=… --namespace=… --expect=50000 [--watch-list=1] [--compression=gzip]
 * KUBEKIT_BENCH_SRC may point at another copy of src/ (inside this repo, e.g. under .cache/, so
 * its imports resolve) to measure a prototype change.
 */
import { arg, importSrc, kubekitSrc, runWorker } from './worker.js';

const client = await importSrc<typeof import('../../src/client/index.js')>('client/index.ts');
const informers = await importSrc<typeof import('../../src/informers/index.js')>('informers/index.ts');

const kubeconfig = arg('kubeconfig');
const namespace = arg('namespace');
if (!kubeconfig || !namespace) throw new Error('--kubeconfig and --namespace are required');
const expect = Number(arg('expect') ?? 50_000);
const watchList = arg('watch-list') === '1';
// The RestClient's `compression` option; its default ('auto') asks for no gzip on loopback.
const compression = arg('compression') as 'auto' | 'gzip' | 'none' | undefined;

await runWorker(
  { src: kubekitSrc, watchList, compression: compression ?? 'auto' },
  async (recorder) => {
    const kube = await client.KubeClient.load({
      qps: -1,
      ...(compression ? { compression } : {}),
      connection: { kubeconfig },
    });
    const stop = new AbortController();
    const factory = new informers.SharedInformerFactory(kube, {
      namespace,
      transform: informers.stripManagedFields,
      ...(watchList ? { reflector: { useWatchList: true } } : {}),
    });
    const informer = factory.informerFor(client.ConfigMaps);
    const registration = informer.addEventHandler({
      onAdd: recorder.onAdd,
      onUpdate: (_old, obj) => recorder.onUpdate(obj),
      onDelete: recorder.onDelete,
    });
    return {
      start: () => factory.start(stop.signal),
      hasSynced: () => informer.hasSynced() && registration.hasSynced(),
      cacheSize: () => informer.indexer.size,
      stop: async () => {
        stop.abort();
        await factory.shutdown();
        await kube.close();
      },
    };
  },
  expect,
);
