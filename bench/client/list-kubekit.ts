/**
 * Worker: lists every ConfigMap of one namespace in pages with kubekit's `listAll` and checks the
 * count, one iteration per command from main.ts (see `serve` in harness.ts):
 *   node --expose-gc --import tsx bench/client/list-kubekit.ts --kubeconfig=… --namespace=…
 *     --expect=10000 --limit=500 [--gzip=1]
 * kubekit's default compression ('auto') asks for no gzip from a loopback server such as the
 * benchmark's; --gzip=1 sets compression: 'gzip' to measure what a remote cluster costs.
 * KUBEKIT_BENCH_SRC may point at another checkout's src/ to measure a prototype change.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { intArg, serve, stringArg } from './harness.js';

type ClientModule = typeof import('../../src/client/index.js');

const srcDir = process.env.KUBEKIT_BENCH_SRC
  ? resolve(process.env.KUBEKIT_BENCH_SRC)
  : resolve(import.meta.dirname, '../../src');
const kubekit = (await import(pathToFileURL(`${srcDir}/client/index.ts`).href)) as ClientModule;

const kubeconfig = stringArg('kubeconfig');
const namespace = stringArg('namespace');
if (!kubeconfig || !namespace) throw new Error('--kubeconfig and --namespace are required');
const expect = intArg('expect', 10_000);
const limit = intArg('limit', 500);
const gzip = intArg('gzip', 0) === 1;

const connection = await kubekit.loadDefaultConnection({ kubeconfig });
const kube = new kubekit.KubeClient(connection, {
  qps: -1,
  ...(gzip ? { compression: 'gzip' as const } : {}),
});
const configMaps = kube.resource(kubekit.ConfigMaps).namespace(namespace);

async function listOnce(): Promise<unknown> {
  const { items } = await kubekit.listAll(configMaps, { limit });
  if (items.length !== expect) throw new Error(`listed ${items.length} ConfigMaps, expected ${expect}`);
  return items;
}

await serve(listOnce, { src: srcDir, gzip });
await kube.close();
