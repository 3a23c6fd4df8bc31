/**
 * In-process companion to main.ts: kubekit's informer pipeline alone — watch decoding
 * (decodeWatchStream), Reflector, DeltaFIFO, indexer, ProcessorListener, handler — fed from
 * memory, without a network or an apiserver, so the JavaScript cost per object and per event is
 * measured without the apiserver's share and the machine's load in it. Used to find where
 * kubekit's time goes and to A/B prototype changes (KUBEKIT_BENCH_SRC=<copy of src/ inside this
 * repo>); main.ts's end-to-end figures remain the benchmark.
 *
 *   node --expose-gc --import tsx bench/informer/pipeline.ts [--objects=50000] [--updates=100000] [--watch-list=1] [--profile=dir]
 *
 * Sync: the initial state as one LIST response body (the apiserver answers a LIST with
 * resourceVersion=0 from its watch cache in one piece, whatever the limit), decoded as the
 * RestClient does; with --watch-list=1 as a watch-list stream (ADDED lines + the
 * initial-events-end bookmark) in 64 KiB chunks. Updates: MODIFIED events, one per chunk (what a
 * live watch delivers at a few thousand events/s). Objects look like the apiserver's ConfigMaps
 * of bench/informer (~1.2 KiB with managedFields); the informer strips managedFields.
 * Prints one JSON line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { arg, importSrc, kubekitSrc, memoryAfterGC } from './worker.js';

const informers = await importSrc<typeof import('../../src/informers/index.js')>('informers/index.ts');
const { decodeWatchStream } =
  await importSrc<typeof import('../../src/client/watch-event.js')>('client/watch-event.ts');
const { ListBodyDecoder } =
  await importSrc<typeof import('../../src/client/list-decoder.js')>('client/list-decoder.ts');

const objects = Number(arg('objects') ?? 50_000);
const updates = Number(arg('updates') ?? 100_000);
const watchList = arg('watch-list') === '1';
const profileDir = arg('profile');
const namespace = 'bench-informer';

function value(i: number, k: number, gen: number): string {
  let x = ((i + 1) * 2654435761 + k * 97 + gen) >>> 0;
  let s = '';
  while (s.length < 80) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += x.toString(36);
  }
  return s.slice(0, 80);
}

/** A ConfigMap as the apiserver serializes it (field order included). */
function configMap(i: number, rv: number, gen: number, withKind: boolean): string {
  const name = `cm-${String(i).padStart(5, '0')}`;
  const data: Record<string, string> = {};
  for (let k = 0; k < 6; k++) data[`key-${k}`] = value(i, k, 0);
  data.run = gen === 0 ? 'seed' : 'pipeline';
  data.seq = String(gen);
  data.ts = String(1_795_310_536_096 + gen);
  return JSON.stringify({
    ...(withKind ? { kind: 'ConfigMap', apiVersion: 'v1' } : {}),
    metadata: {
      name,
      namespace,
      uid: `a0c06ca0-ebd2-4945-8739-${String(100_000_000_000 + i).slice(-12)}`,
      resourceVersion: String(rv),
      creationTimestamp: '2026-11-22T00:57:55Z',
      labels: { app: 'bench-informer', shard: String(i % 16) },
      managedFields: [
        {
          manager: 'informer-go',
          operation: 'Update',
          apiVersion: 'v1',
          time: '2026-11-22T01:22:16Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:data': {
              '.': {},
              'f:key-0': {},
              'f:key-1': {},
              'f:key-2': {},
              'f:key-3': {},
              'f:key-4': {},
              'f:key-5': {},
              'f:run': {},
              'f:seq': {},
              'f:ts': {},
            },
            'f:metadata': { 'f:labels': { '.': {}, 'f:app': {}, 'f:shard': {} } },
          },
        },
      ],
    },
    data,
  });
}

const listRV = 1000;
const listBody = watchList
  ? ''
  : `{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"${listRV}"},"items":[${Array.from(
      { length: objects },
      (_, i) => configMap(i, 100 + i, 0, false),
    ).join(',')}]}`;
// The bytes a LIST answer arrives as, made before the clock starts.
const listBytes = Buffer.from(listBody);
const initialChunks: Buffer[] = [];
if (watchList) {
  let text = '';
  for (let i = 0; i < objects; i++) {
    text += `{"type":"ADDED","object":${configMap(i, 100 + i, 0, true)}}\n`;
    if (text.length >= 65_536) {
      initialChunks.push(Buffer.from(text));
      text = '';
    }
  }
  text += `{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"${listRV}","annotations":{"k8s.io/initial-events-end":"true"}}}}\n`;
  initialChunks.push(Buffer.from(text));
}
const updateChunks = Array.from({ length: updates }, (_, u) =>
  Buffer.from(`{"type":"MODIFIED","object":${configMap(u % objects, listRV + 1 + u, u + 1, true)}}\n`),
);

let go: () => void = () => {};
const goPromise = new Promise<void>((r) => {
  go = r;
});

async function* body(signal: AbortSignal, initial: Buffer[]): AsyncGenerator<Buffer> {
  for (const c of initial) yield c;
  await goPromise;
  for (const c of updateChunks) yield c;
  await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
}

let watches = 0;
const listWatch = {
  // As RestClient.requestList: 64 KiB chunks through the incremental list decoder.
  async list(options: { transformItem?: (item: unknown) => unknown }) {
    const bytes = listBytes;
    const decoder = new ListBodyDecoder(options.transformItem);
    for (let i = 0; i < bytes.length; i += 65_536) decoder.write(bytes.subarray(i, i + 65_536));
    return decoder.end();
  },
  watch(options: { signal?: AbortSignal; sendInitialEvents?: boolean }) {
    watches++;
    if (watches > 1) throw new Error('the pipeline bench expects one watch');
    return decodeWatchStream(body(options.signal!, options.sendInitialEvents ? initialChunks : []), {
      method: 'WATCH',
      path: 'pipeline',
    });
  },
};

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let session: Session | undefined;
async function profile(phase: string, fn: () => Promise<void>): Promise<void> {
  if (profileDir) {
    session ??= new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  await fn();
  if (profileDir && session) {
    const { profile: p } = await session.post('Profiler.stop');
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(
      join(profileDir, `pipeline-${watchList ? 'watchlist-' : ''}${phase}.cpuprofile`),
      JSON.stringify(p),
    );
    session.disconnect();
    session = undefined;
  }
}

const baseline = memoryAfterGC();
let adds = 0;
let received = 0;
let done: () => void = () => {};
const allUpdates = new Promise<void>((r) => {
  done = r;
});
const informer = new informers.SharedIndexInformer(listWatch as never, {
  transform: informers.stripManagedFields,
  reflector: { useWatchList: watchList },
});
const registration = informer.addEventHandler({
  onAdd: () => {
    adds++;
  },
  onUpdate: () => {
    if (++received === updates) done();
  },
});
const stop = new AbortController();
let running: Promise<void> | undefined;
const out: Record<string, unknown> = { src: kubekitSrc, node: process.version, objects, updates, watchList };

await profile('sync', async () => {
  const c0 = cpu();
  const t0 = performance.now();
  running = informer.run(stop.signal);
  while (!(registration.hasSynced() && adds >= objects)) await new Promise((r) => setImmediate(r));
  out.syncMs = performance.now() - t0;
  out.syncCpuMs = cpu() - c0;
});
const synced = memoryAfterGC();
out.heapBytesPerObject = (synced.heapUsed - baseline.heapUsed) / objects;

await profile('updates', async () => {
  const c0 = cpu();
  const t0 = performance.now();
  go();
  await allUpdates;
  out.updatesMs = performance.now() - t0;
  out.updatesCpuMs = cpu() - c0;
  out.eventsPerSecond = updates / ((performance.now() - t0) / 1000);
  out.cpuUsPerEvent = ((cpu() - c0) * 1000) / updates;
});
stop.abort();
await running;
console.log(JSON.stringify(out));
