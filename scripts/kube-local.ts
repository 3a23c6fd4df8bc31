// `npm run kube-local:start`: a local real control plane (etcd + kube-apiserver from
// tools/kube-local) for your own controller work. Prints the KUBECONFIG line to export, runs
// until Ctrl-C (SIGINT) or SIGTERM, then stops both processes and removes their work folder.
import { parseArgs } from 'node:util';
import { buildKubeLocal, LocalControlPlane } from '../src/testing/index.js';

const usage = `usage: npm run kube-local:start -- [--port N] [--etcd-port N] [--work-dir DIR] [--with-tools]
  --port N       kube-apiserver's port (default: a free one)
  --etcd-port N  etcd's client port (default: a free one)
  --work-dir DIR keep certificates, etcd data, logs and the kubeconfig in DIR (default: a temp folder removed on exit)
  --with-tools   also build kubectl, kube-scheduler and kube-controller-manager and print their paths`;

function fail(message: string): never {
  console.error(`kube-local: ${message}\n${usage}`);
  process.exit(2);
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      port: { type: 'string' },
      'etcd-port': { type: 'string' },
      'work-dir': { type: 'string' },
      'with-tools': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
}
try {
  args = parse();
} catch (err) {
  fail((err as Error).message);
}
if (args.help) {
  console.log(usage);
  process.exit(0);
}
function port(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    fail(`${flag} must be a port number from 1 to 65535, not '${value}'`);
  return n;
}
const apiServerPort = port('--port', args.port);
const etcdPort = port('--etcd-port', args['etcd-port']);

const log = (line: string) => console.error(line);
const logger = { debug: () => {}, info: log, warn: log, error: log };
const stop = new AbortController();
let signals = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    // A second Ctrl-C while stopping exits at once; the supervisor still kills the processes.
    if (++signals > 1) process.exit(130);
    stop.abort();
  });
}

try {
  const binDir = await buildKubeLocal({
    logger,
    group: args['with-tools'] ? 'all' : 'core',
    signal: stop.signal,
  });
  const plane = await LocalControlPlane.start({
    binDir,
    logger,
    ...(apiServerPort ? { apiServerPort } : {}),
    ...(etcdPort ? { etcdPort } : {}),
    ...(args['work-dir'] ? { workDir: args['work-dir'] } : {}),
  });
  console.log(`kube-local: kube-apiserver is ready at ${plane.server} (admin: system:masters)`);
  console.log(`export KUBECONFIG=${plane.kubeconfigPath}`);
  if (args['with-tools']) {
    console.log(`kubectl: ${plane.binary('kubectl')}`);
    console.log(`kube-scheduler: ${plane.binary('kube-scheduler')}`);
    console.log(`kube-controller-manager: ${plane.binary('kube-controller-manager')}`);
  }
  console.log('kube-local: running; Ctrl-C stops it and removes its data');
  // The plane's processes are unref'd (they must never keep a test run alive), so something
  // here has to hold the event loop open until a signal arrives.
  const keepAlive = setInterval(() => {}, 1 << 30);
  if (!stop.signal.aborted)
    await new Promise((r) => stop.signal.addEventListener('abort', r, { once: true }));
  clearInterval(keepAlive);
  console.log('kube-local: stopping');
  await plane.stop();
} catch (err) {
  if (stop.signal.aborted) process.exit(130);
  console.error(`kube-local: ${(err as Error).message}`);
  process.exit(1);
}
