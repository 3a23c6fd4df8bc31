// Worker: lists every ConfigMap of one namespace in pages with @kubernetes/client-node 2.0.x
// (CoreV1Api.listNamespacedConfigMap with limit/_continue) and checks the count, one iteration
// per command from main.ts (see `serve` in harness.ts). Plain JS so the
// root typecheck never needs the peer installed; it lives in peer/ so that the import below
// resolves to peer/node_modules. Run by main.ts on Node >= 22:
//   node --expose-gc --import tsx bench/client/peer/list-client-node.mjs --kubeconfig=… --namespace=…
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { intArg, serve, stringArg } from '../harness.ts';

const kubeconfig = stringArg('kubeconfig');
const namespace = stringArg('namespace');
if (!kubeconfig || !namespace) throw new Error('--kubeconfig and --namespace are required');
const expect = intArg('expect', 10_000);
const limit = intArg('limit', 500);

const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const api = kc.makeApiClient(CoreV1Api);

async function listOnce() {
  const items = [];
  let token;
  do {
    const page = await api.listNamespacedConfigMap({ namespace, limit, _continue: token });
    for (const item of page.items) items.push(item);
    token = page.metadata?._continue || undefined;
  } while (token);
  if (items.length !== expect) throw new Error(`listed ${items.length} ConfigMaps, expected ${expect}`);
  return items;
}

const { createRequire } = await import('node:module');
const peerVersion = createRequire(import.meta.url)('@kubernetes/client-node/package.json').version;
await serve(listOnce, { peerVersion });
