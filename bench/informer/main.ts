/**
 * bench/informer: kubekit's shared informer against client-go's (v0.37.1) and
 * @kubernetes/client-node 2.0.x's, on one real kube-apiserver in one run (issue 4, "Benchmark").
 * Started by bench/informer/run.sh, which supplies Node binaries, the Go binary and the peer.
 *
 * 1. Starts one LocalControlPlane and seeds N (50,000) ConfigMaps of ~1 KiB in one namespace
 *    with the Go binary (`seed`: 64 creates in flight, no client-side rate limit).
 * 2. Sync rounds (5, rotating order) on the settled apiserver (30 s after seeding): for each
 *    implementation, one fresh worker process at a time: start → synced (time, CPU, RSS and
 *    heap before and after a forced GC) → exit. No writes happen during this phase: a sync
 *    right after another implementation's 100,000 patches would pay for the apiserver's and
 *    etcd's after-work (compaction, garbage collection), and which implementation follows an
 *    update run depends on the rotation.
 *    Implementations: kubekit on Node 24 and Node 20, client-go (its defaults: WatchListClient
 *    on), client-node 2.0.x on Node 24; extras: client-go with LIST
 *    (KUBE_FEATURE_WatchListClient=false), kubekit asking for gzip (its default, compression
 *    'auto', asks for none from this loopback apiserver), kubekit with its watch-list option and
 *    kubekit on Node 24 with V8's young generation capped as on Node 20
 *    (`--max-semi-space-size=16`: Node 24 grows it to 64 MiB semi-spaces on a large machine,
 *    which is RSS but no cached object). Always, even without the extras or outside
 *    BENCH_INFORMER_ONLY: the floor, client-go's bare LIST (resourceVersion 0, as an informer asks) of the same collection (Go
 *    `list` mode: limit 500 and continue tokens, typed decoding, the client-go worker's client
 *    settings, no informer, no store); every sync time is also printed as a ratio to it.
 * 3. Update rounds (3, rotating order, the four main implementations): a fresh worker syncs
 *    (recorded as "sync under write load") → 100,000 merge patches from a separate Go writer
 *    process (`write`: 128 in flight over HTTP/2) while the informer runs → delivery
 *    throughput, lag and CPU per event → exit.
 * 4. Soak: the soak implementations (default: kubekit on Node 24, client-go and client-node) run
 *    side by side for 10 minutes while a writer sends light updates (20/s) and churn (1 create +
 *    1 delete per second); RSS is sampled every 10 s; heap after a forced GC at start and end.
 * 5. Prints a table with ratios and one JSON line per measurement; stops the control plane.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ConfigMaps, KubeClient } from '../../src/client/index.js';
import { LocalControlPlane } from '../../src/testing/index.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const env = process.env;
const int = (name: string, fallback: number) => {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${v}"`);
  return n;
};

const node24 = env.BENCH_NODE24;
const node20 = env.BENCH_NODE20 || undefined;
const goBin = env.BENCH_INFORMER_GO_BIN;
if (!node24 || !goBin)
  throw new Error('BENCH_NODE24 and BENCH_INFORMER_GO_BIN are not set; run bench/informer/run.sh');
const objects = int('BENCH_INFORMER_OBJECTS', 50_000);
const updates = int('BENCH_INFORMER_UPDATES', 100_000);
const rounds = int('BENCH_INFORMER_ROUNDS', 5);
const updateRounds = int('BENCH_INFORMER_UPDATE_ROUNDS', 3);
const settleSeconds = int('BENCH_INFORMER_SETTLE_SECONDS', 30);
const writerParallel = int('BENCH_INFORMER_WRITERS', 128);
const soakSeconds = int('BENCH_INFORMER_SOAK_SECONDS', 600);
const soakRate = int('BENCH_INFORMER_SOAK_RATE', 20);
const soakChurn = int('BENCH_INFORMER_SOAK_CHURN', 1);
const soakKeys = (env.BENCH_INFORMER_SOAK ?? 'kubekit@24,client-go,client-node@24')
  .split(',')
  .filter(Boolean);
const extras = env.BENCH_INFORMER_EXTRAS !== '0';
const only = env.BENCH_INFORMER_ONLY?.split(',').filter(Boolean);
// Measure against an already seeded cluster (e.g. one a BENCH_INFORMER_HOLD=1 run keeps up).
const kubeconfigReuse = env.BENCH_INFORMER_KUBECONFIG;
const namespace = env.BENCH_INFORMER_NAMESPACE ?? 'bench-informer';

const log = (message: string) => process.stderr.write(`bench/informer: ${message}\n`);
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- processes

type Message = Record<string, unknown> & { type: string };

/** A child process speaking the `BENCH {json}` line protocol of worker.ts / go/main.go. */
class Child {
  readonly proc: ChildProcess;
  private readonly queue: Message[] = [];
  private waiter: (() => void) | undefined;
  private exitCode: number | null | undefined;
  private stderrTail = '';

  constructor(
    readonly label: string,
    command: string,
    args: string[],
    extraEnv: Record<string, string> = {},
  ) {
    this.proc = spawn(command, args, {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '', ...extraEnv },
    });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      if (!line.startsWith('BENCH ')) return;
      this.queue.push(JSON.parse(line.slice(6)) as Message);
      this.wake();
    });
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (d: string) => {
      process.stderr.write(d.replace(/^(?=.)/gm, `  [${label}] `));
      this.stderrTail = (this.stderrTail + d).slice(-2000);
    });
    this.proc.on('exit', (code, signal) => {
      this.exitCode = code ?? (signal ? 128 : null);
      this.wake();
    });
    this.proc.on('error', (err) => {
      log(`${label}: ${err.message}`);
      this.exitCode = -1;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  send(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }

  /** The next message of `type` (others of a different type are dropped). */
  async next(type: string, timeoutMs: number): Promise<Message> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const i = this.queue.findIndex((m) => m.type === type);
      if (i !== -1) return this.queue.splice(i, 1)[0]!;
      if (this.exitCode !== undefined)
        throw new Error(`${this.label} exited (${this.exitCode}) before "${type}"\n${this.stderrTail}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${this.label}: no "${type}" within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiter = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }

  async exited(timeoutMs = 30_000): Promise<number | null> {
    const deadline = performance.now() + timeoutMs;
    while (this.exitCode === undefined && performance.now() < deadline) await sleep(20);
    if (this.exitCode === undefined) {
      this.proc.kill('SIGKILL');
      await sleep(100);
    }
    return this.exitCode ?? null;
  }

  kill(): void {
    if (this.exitCode === undefined) this.proc.kill('SIGKILL');
  }
}

const children = new Set<Child>();
function child(label: string, command: string, args: string[], extraEnv?: Record<string, string>): Child {
  const c = new Child(label, command, args, extraEnv);
  children.add(c);
  c.proc.on('exit', () => children.delete(c));
  return c;
}

async function runGo(label: string, args: string[], type: string, timeoutMs: number): Promise<Message> {
  const c = child(label, goBin!, args);
  c.proc.stdin!.end();
  const msg = await c.next(type, timeoutMs);
  const code = await c.exited();
  if (code !== 0) throw new Error(`${label} exited with ${code}`);
  return msg;
}

// ---------------------------------------------------------------- variants

interface Variant {
  key: string;
  label: string;
  /** Also measured in the update phase (the extras only sync). */
  updates: boolean;
  spawn(kubeconfig: string, name: string): Child;
}

function nodeWorker(
  node: string,
  script: string,
  args: string[],
  extraEnv?: Record<string, string>,
  nodeFlags: string[] = [],
) {
  // BENCH_INFORMER_CPU_PROF / BENCH_INFORMER_HEAP_SNAPSHOT reach the worker through its
  // environment; profiler.ts names the files after BENCH_INFORMER_WORKER_NAME.
  return (kubeconfig: string, name: string) =>
    child(
      name,
      node,
      [
        '--expose-gc',
        ...nodeFlags,
        '--import',
        'tsx',
        script,
        `--kubeconfig=${kubeconfig}`,
        `--namespace=${namespace}`,
        `--expect=${objects}`,
        ...args,
      ],
      { ...extraEnv, BENCH_INFORMER_WORKER_NAME: name },
    );
}

/** A Go worker: `informer` (client-go's shared informer) or `list` (the bare LIST (resourceVersion 0, as an informer asks) floor). */
function goWorker(extraEnv: Record<string, string> = {}, mode: 'informer' | 'list' = 'informer') {
  return (kubeconfig: string, name: string) =>
    child(
      name,
      goBin!,
      [mode, `-kubeconfig=${kubeconfig}`, `-namespace=${namespace}`, `-expect=${objects}`],
      extraEnv,
    );
}

/**
 * The floor every sync time is read against: client-go's bare LIST of the same collection, asked
 * as an informer's first list is (resourceVersion 0: the watch cache answers in one response;
 * see listMode in go/main.go). What an informer takes on top of it (watch setup, store, handler,
 * transform, its own decoding) is the part an implementation can win or lose.
 */
const floorKey = 'client-go-bare-list';

async function version(node: string): Promise<string> {
  return new Promise((r) => {
    const c = spawn(node, ['--version']);
    let out = '';
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.on('close', () => r(out.trim()));
  });
}

// ---------------------------------------------------------------- measurements

interface Mem {
  rss: number;
  heapUsed: number;
  [k: string]: number;
}

interface RunResult {
  variant: string;
  /** 'sync': a sync-only run of the sync phase; 'updates': a run of the update phase. */
  phase: 'sync' | 'updates';
  round: number;
  ready: Message;
  synced: Message;
  written?: Message;
  delivered?: Message;
  loadavg1m: number;
}

const results: RunResult[] = [];
const jsonLines: Record<string, unknown>[] = [];

async function measureOnce(
  v: Variant,
  kubeconfig: string,
  r: number,
  phase: RunResult['phase'],
): Promise<void> {
  const name = `${v.key}-${phase === 'sync' ? 'sync' : 'updates'}${r + 1}`;
  const load = loadavg()[0]!;
  const w = v.spawn(kubeconfig, name);
  try {
    const ready = await w.next('ready', 120_000);
    w.send('start');
    const synced = await w.next('synced', 600_000);
    log(
      `${name}: synced ${objects} in ${Math.round(synced.syncMs as number)} ms (cpu ${Math.round(synced.syncCpuMs as number)} ms), RSS ${mib((synced.memory as Mem).rss)} MiB, heap after GC ${mib((synced.memoryAfterGC as Mem).heapUsed)} MiB`,
    );
    const result: RunResult = { variant: v.key, phase, round: r, ready, synced, loadavg1m: load };
    if (phase === 'updates') {
      const run = `${v.key.replace(/[^a-z0-9]/gi, '')}r${r + 1}`;
      w.send(`updates ${run} ${updates}`);
      await w.next('armed', 30_000);
      await sleep(500);
      const written = await runGo(
        `writer ${name}`,
        [
          'write',
          `-kubeconfig=${kubeconfig}`,
          `-namespace=${namespace}`,
          `-objects=${objects}`,
          `-count=${updates}`,
          `-parallel=${writerParallel}`,
          `-run=${run}`,
        ],
        'written',
        1_800_000,
      );
      let delivered: Message;
      try {
        delivered = await w.next('updates', 120_000);
      } catch {
        w.send('report');
        delivered = await w.next('updates', 30_000);
      }
      result.written = written;
      result.delivered = delivered;
      log(
        `${name}: writer ${written.ok} patches at ${Math.round(written.perSecond as number)}/s; informer got ${delivered.received}, lag p50 ${fmt(delivered.lagMsP50 as number)} ms p99 ${fmt(delivered.lagMsP99 as number)} ms, cpu ${Math.round(delivered.cpuMs as number)} ms`,
      );
    }
    w.send('exit');
    await w.next('bye', 60_000).catch(() => {});
    await w.exited();
    results.push(result);
    const jl = runJson(result);
    jsonLines.push(jl);
  } finally {
    w.kill();
  }
}

function perObject(after: Mem, before: Mem, field: 'heapUsed' | 'rss'): number {
  return (after[field] - before[field]) / objects;
}

function runJson(res: RunResult): Record<string, unknown> {
  const ready = res.ready.memory as Mem;
  const synced = res.synced.memory as Mem;
  const gced = res.synced.memoryAfterGC as Mem;
  const out: Record<string, unknown> = {
    benchmark: 'informer',
    measurement: 'run',
    phase: res.phase,
    variant: res.variant,
    round: res.round + 1,
    runtime: res.ready.runtime,
    objects,
    loadavg1m: round(res.loadavg1m, 2),
    syncMs: round(res.synced.syncMs as number, 1),
    syncCpuMs: round(res.synced.syncCpuMs as number, 1),
    cacheSize: res.synced.cacheSize,
    // The LIST floor keeps nothing (cacheSize 0); what it fetched instead.
    ...(res.synced.pages !== undefined ? { listed: res.synced.listed, pages: res.synced.pages } : {}),
    rssBaseline: ready.rss,
    heapBaseline: ready.heapUsed,
    rssAfterSync: synced.rss,
    heapAfterSync: synced.heapUsed,
    rssAfterGC: gced.rss,
    heapAfterGC: gced.heapUsed,
    heapBytesPerObject: round(perObject(gced, ready, 'heapUsed'), 1),
    rssBytesPerObject: round(perObject(gced, ready, 'rss'), 1),
  };
  if (res.written && res.delivered) {
    const d = res.delivered;
    const wr = res.written;
    const received = d.received as number;
    out.updates = {
      sent: wr.ok,
      writerFailed: wr.failed,
      writerPerSecond: round(wr.perSecond as number, 1),
      writerLatencyMsP50: round(wr.latencyMsP50 as number, 2),
      received,
      partial: d.partial,
      deliveredPerSecond: round(received / (((d.lastMs as number) - (wr.startMs as number)) / 1000), 1),
      handledPerSecondFirstToLast: round(
        received / (((d.lastMs as number) - (d.firstMs as number)) / 1000),
        1,
      ),
      drainAfterWriterMs: (d.lastMs as number) - (wr.endMs as number),
      lagMsP50: round(d.lagMsP50 as number, 1),
      lagMsP90: round(d.lagMsP90 as number, 1),
      lagMsP99: round(d.lagMsP99 as number, 1),
      lagMsMax: round(d.lagMsMax as number, 1),
      lagMsMean: round(d.lagMsMean as number, 1),
      cpuMs: round(d.cpuMs as number, 1),
      cpuUsPerEvent: round(((d.cpuMs as number) * 1000) / Math.max(1, received), 2),
      rssAfter: (d.memory as Mem).rss,
    };
  }
  return out;
}

// ---------------------------------------------------------------- soak

interface SoakResult {
  variant: string;
  samples: { t: number; rss: number; heapUsed: number; gc?: boolean; updates: number }[];
  cacheSize: number;
  serverCount?: number;
}

async function soak(variants: Variant[], kubeconfig: string, kube: KubeClient): Promise<SoakResult[]> {
  const workers: { v: Variant; w: Child }[] = [];
  try {
    for (const v of variants) {
      const w = v.spawn(kubeconfig, `${v.key}-soak`);
      await w.next('ready', 120_000);
      w.send('start');
      await w.next('synced', 600_000);
      workers.push({ v, w });
    }
    log(
      `soak: ${variants.map((v) => v.key).join(', ')} side by side for ${soakSeconds} s, ${soakRate} updates/s + ${soakChurn} create/delete per s, RSS every 10 s`,
    );
    const writer = child(`writer soak`, goBin!, [
      'write',
      `-kubeconfig=${kubeconfig}`,
      `-namespace=${namespace}`,
      `-objects=${objects}`,
      `-duration=${soakSeconds + 15}s`,
      `-rate=${soakRate}`,
      `-churn-rate=${soakChurn}`,
      '-parallel=8',
      '-run=soak',
    ]);
    writer.proc.stdin!.end();
    await sleep(5000);
    for (const { w } of workers) w.send(`soak 10000 ${soakSeconds * 1000}`);
    const out: SoakResult[] = [];
    const done = await Promise.all(
      workers.map(async ({ v, w }) => {
        const samples: SoakResult['samples'] = [];
        for (;;) {
          const m = await w.next('sample', soakSeconds * 1000 + 120_000);
          const mem = m.memory as Mem;
          samples.push({
            t: m.t as number,
            rss: mem.rss,
            heapUsed: mem.heapUsed,
            ...(m.gc ? { gc: true } : {}),
            updates: m.updates as number,
          });
          if (m.gc && samples.length > 1) break;
        }
        const fin = await w.next('soak-done', 60_000);
        return { variant: v.key, samples, cacheSize: fin.cacheSize as number };
      }),
    );
    out.push(...done);
    const written = await writer.next('written', 120_000);
    await writer.exited();
    log(`soak writer: ${written.ok} patches, ${written.churned} churned objects, ${written.failed} failed`);
    // Once the writer has stopped, every informer's cache must hold what the server holds.
    await sleep(3000);
    const server = await kube.resource(ConfigMaps).namespace(namespace).list({ limit: 1 });
    const serverCount = Number(server.metadata?.remainingItemCount ?? 0) + server.items.length;
    for (const [i, { w }] of workers.entries()) {
      w.send('size');
      const r = out[i]!;
      r.cacheSize = (await w.next('size', 30_000)).cacheSize as number;
      r.serverCount = serverCount;
      if (r.cacheSize !== serverCount)
        log(`soak: ${r.variant} cache holds ${r.cacheSize} objects, the server ${serverCount}`);
    }
    for (const { w } of workers) w.send('exit');
    for (const { w } of workers) {
      await w.next('bye', 60_000).catch(() => {});
      await w.exited();
    }
    return out;
  } finally {
    for (const { w } of workers) w.kill();
  }
}

// ---------------------------------------------------------------- summary

function median(values: number[]): number {
  const s = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';
const mib = (bytes: number) => fmt(bytes / 1024 / 1024, 1);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i === 0 ? '-' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

// ---------------------------------------------------------------- main

let plane: LocalControlPlane | undefined;
let stopping: Promise<void> | undefined;
function shutdown(): Promise<void> {
  stopping ??= (async () => {
    for (const c of children) c.kill();
    await plane?.stop();
  })();
  return stopping;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping workers and the control plane`);
    void shutdown().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const load0 = loadavg();
  let kubeconfig: string;
  let seedMs: number | undefined;
  if (kubeconfigReuse) {
    kubeconfig = kubeconfigReuse;
  } else {
    plane = await LocalControlPlane.start({
      etcdCompactionInterval: '1m',
      logger: { debug: () => {}, info: (m) => log(m), warn: (m) => log(m), error: (m) => log(m) },
    });
    kubeconfig = plane.kubeconfigPath;
    log(`seeding ${objects} ConfigMaps in ${namespace}`);
    const seeded = await runGo(
      'seed',
      ['seed', `-kubeconfig=${kubeconfig}`, `-namespace=${namespace}`, `-objects=${objects}`, '-parallel=64'],
      'seeded',
      1_800_000,
    );
    seedMs = seeded.ms as number;
    log(`seeded ${objects} ConfigMaps in ${seedMs} ms (${Math.round(objects / (seedMs / 1000))}/s)`);
    if (env.BENCH_INFORMER_HOLD === '1') {
      // Keep the seeded plane for profiling and prototypes: point later runs at it with
      // BENCH_INFORMER_KUBECONFIG; stop this one with Ctrl-C / SIGTERM.
      log(`holding the control plane: BENCH_INFORMER_KUBECONFIG=${kubeconfig}`);
      await new Promise(() => setInterval(() => {}, 60_000));
    }
  }
  const kube = await KubeClient.load({ qps: -1, connection: { kubeconfig } });
  const cms = kube.resource(ConfigMaps).namespace(namespace);
  const page = await cms.list({ limit: 500 });
  const count = Number(page.metadata?.remainingItemCount ?? 0) + page.items.length;
  if (count !== objects) throw new Error(`${namespace} holds ${count} ConfigMaps, expected ${objects}`);
  const jsonBytes = Buffer.byteLength(JSON.stringify(page.items)) / page.items.length;
  const strippedBytes =
    Buffer.byteLength(
      JSON.stringify(
        page.items.map((i) => ({ ...i, metadata: { ...i.metadata, managedFields: undefined } })),
      ),
    ) / page.items.length;

  const v24 = await version(node24!);
  const v20 = node20 ? await version(node20) : undefined;
  const kubekitWorker = 'bench/informer/worker-kubekit.ts';
  const peerWorker = 'bench/informer/peer/worker-client-node.mjs';
  const all: Variant[] = [
    {
      key: 'kubekit@24',
      label: `kubekit, node ${v24}`,
      updates: true,
      spawn: nodeWorker(node24!, kubekitWorker, []),
    },
    ...(node20
      ? [
          {
            key: 'kubekit@20',
            label: `kubekit, node ${v20}`,
            updates: true,
            spawn: nodeWorker(node20, kubekitWorker, []),
          },
        ]
      : []),
    { key: 'client-go', label: 'client-go v0.37.1 (defaults: watch-list)', updates: true, spawn: goWorker() },
    {
      key: 'client-node@24',
      label: `client-node 2.0.x, node ${v24}`,
      updates: true,
      spawn: nodeWorker(node24!, peerWorker, []),
    },
    {
      key: floorKey,
      label:
        'floor: client-go v0.37.1 bare LIST as an informer’s first (resourceVersion 0, limit 500), no informer',
      updates: false,
      spawn: goWorker({}, 'list'),
    },
    ...(extras
      ? [
          {
            key: 'client-go-list',
            label: 'client-go v0.37.1, LIST (WatchListClient off)',
            updates: false,
            spawn: goWorker({ KUBE_FEATURE_WatchListClient: 'false' }),
          },
          {
            key: 'kubekit-gzip@24',
            label: `kubekit asking for gzip (compression: 'gzip'), node ${v24}`,
            updates: false,
            spawn: nodeWorker(node24!, kubekitWorker, ['--compression=gzip']),
          },
          {
            key: 'kubekit-watchlist@24',
            label: `kubekit useWatchList, node ${v24}`,
            updates: false,
            spawn: nodeWorker(node24!, kubekitWorker, ['--watch-list=1']),
          },
          {
            key: 'kubekit-semi16@24',
            label: `kubekit, node ${v24} --max-semi-space-size=16`,
            updates: false,
            spawn: nodeWorker(node24!, kubekitWorker, [], {}, ['--max-semi-space-size=16']),
          },
        ]
      : []),
    ...(env.KUBEKIT_BENCH_SRC_B
      ? [
          {
            key: 'kubekit-b@24',
            label: `kubekit B (${env.KUBEKIT_BENCH_SRC_B}), node ${v24}`,
            updates: true,
            spawn: nodeWorker(node24!, kubekitWorker, [], { KUBEKIT_BENCH_SRC: env.KUBEKIT_BENCH_SRC_B }),
          },
        ]
      : []),
  ];
  // The floor runs whatever BENCH_INFORMER_ONLY names: without it no sync time has a floor.
  const variants = only ? all.filter((v) => v.key === floorKey || only.includes(v.key)) : all;

  if (seedMs !== undefined && settleSeconds > 0) {
    log(`letting the apiserver and etcd settle for ${settleSeconds} s after seeding`);
    await sleep(settleSeconds * 1000);
  }
  for (let r = 0; r < rounds; r++) {
    log(`sync round ${r + 1}/${rounds}`);
    for (let j = 0; j < variants.length; j++) {
      const v = variants[(j + r) % variants.length]!;
      await measureOnce(v, kubeconfig, r, 'sync');
      await sleep(2000);
    }
  }
  const updating = updates > 0 ? variants.filter((v) => v.updates) : [];
  for (let r = 0; r < updateRounds && updating.length > 0; r++) {
    log(`update round ${r + 1}/${updateRounds}`);
    for (let j = 0; j < updating.length; j++) {
      const v = updating[(j + r) % updating.length]!;
      await measureOnce(v, kubeconfig, r, 'updates');
      await sleep(2000);
    }
  }

  let soakResults: SoakResult[] = [];
  // The floor has no cache to soak (its Go mode only knows start and exit).
  const soakVariants =
    soakSeconds > 0 ? all.filter((v) => v.key !== floorKey && soakKeys.includes(v.key)) : [];
  if (soakVariants.length > 0) soakResults = await soak(soakVariants, kubeconfig, kube);
  await kube.close();

  // ------------------------------------------------ report
  const by = (key: string, phase: RunResult['phase'] = 'sync') =>
    results.filter((r) => r.variant === key && r.phase === phase).map(runJson);
  type Row = ReturnType<typeof runJson>;
  const med = (key: string, f: (r: Row) => number, phase: RunResult['phase'] = 'sync') =>
    median(by(key, phase).map(f));
  const u = (r: Row) => r.updates as Record<string, number> | undefined;
  const present = variants.map((v) => v.key).filter((k) => by(k).length > 0);
  interface Metric {
    name: string;
    /** Field name in the summary JSON line (raw units: ms, bytes, events/s, µs). */
    key: string;
    f: (r: Row) => number;
    show: (n: number) => string;
    /** The runs it is taken from (default: the sync phase's). */
    phase?: RunResult['phase'];
  }
  const whole = (n: number) => fmt(n);
  const metrics: Metric[] = [
    { name: 'start → synced, ms', key: 'syncMs', f: (r) => r.syncMs as number, show: whole },
    { name: 'CPU to sync, ms', key: 'syncCpuMs', f: (r) => r.syncCpuMs as number, show: whole },
    { name: 'RSS after sync, MiB', key: 'rssAfterSync', f: (r) => r.rssAfterSync as number, show: mib },
    { name: 'RSS after sync + GC, MiB', key: 'rssAfterGC', f: (r) => r.rssAfterGC as number, show: mib },
    { name: 'heap after sync, MiB', key: 'heapAfterSync', f: (r) => r.heapAfterSync as number, show: mib },
    { name: 'heap after sync + GC, MiB', key: 'heapAfterGC', f: (r) => r.heapAfterGC as number, show: mib },
    {
      name: 'heap per cached object (GC), B',
      key: 'heapBytesPerObject',
      f: (r) => r.heapBytesPerObject as number,
      show: whole,
    },
    {
      name: 'RSS per cached object (GC), B',
      key: 'rssBytesPerObject',
      f: (r) => r.rssBytesPerObject as number,
      show: whole,
    },
    {
      name: 'update runs: start → synced, ms',
      key: 'syncUnderWriteLoadMs',
      f: (r) => r.syncMs as number,
      show: whole,
      phase: 'updates',
    },
    ...(
      [
        ['writer patches/s', 'writerPerSecond', (r) => u(r)?.writerPerSecond ?? NaN, whole],
        ['delivered events/s', 'deliveredPerSecond', (r) => u(r)?.deliveredPerSecond ?? NaN, whole],
        ['lag p50, ms', 'lagMsP50', (r) => u(r)?.lagMsP50 ?? NaN, (n) => fmt(n, 1)],
        ['lag p99, ms', 'lagMsP99', (r) => u(r)?.lagMsP99 ?? NaN, (n) => fmt(n, 1)],
        ['lag max, ms', 'lagMsMax', (r) => u(r)?.lagMsMax ?? NaN, whole],
        ['drain after writer done, ms', 'drainAfterWriterMs', (r) => u(r)?.drainAfterWriterMs ?? NaN, whole],
        ['CPU per event, µs', 'cpuUsPerEvent', (r) => u(r)?.cpuUsPerEvent ?? NaN, (n) => fmt(n, 1)],
        ['RSS after updates, MiB', 'rssAfterUpdates', (r) => u(r)?.rssAfter ?? NaN, mib],
      ] as const satisfies readonly (readonly [string, string, Metric['f'], Metric['show']])[]
    ).map(([name, key, f, show]): Metric => ({ name, key, f, show, phase: 'updates' })),
  ];
  const kk = 'kubekit@24';
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN);
  // Ratio columns: kubekit (and the prototype column, when measured) over each peer.
  const subjects = [kk, 'kubekit-b@24'].filter((k) => present.includes(k));
  const ratioColumns = subjects.flatMap((a) =>
    ['client-go', 'client-node@24'].filter((b) => present.includes(b)).map((b) => [a, b] as const),
  );
  const rows = metrics.map((m) => [
    m.name,
    ...present.map((k) => m.show(med(k, m.f, m.phase))),
    ...ratioColumns.map(([a, b]) => `${fmt(ratio(med(a, m.f, m.phase), med(b, m.f, m.phase)), 2)}×`),
  ]);
  const n = (k: string) => by(k).length;
  const nu = (k: string) => by(k, 'updates').length;
  /** Median over rounds of a / b measured in the same round (load on a shared machine drifts). */
  const paired = (a: string, b: string, f: (r: Row) => number) => {
    const bs = by(b);
    return median(by(a).flatMap((x) => bs.filter((y) => y.round === x.round).map((y) => f(x) / f(y))));
  };
  const syncOf = (r: Row) => r.syncMs as number;
  const cpuOf = (r: Row) => r.syncCpuMs as number;
  const pairedNote = (a: string, b: string, f: (r: Row) => number) =>
    `; paired by round: ${fmt(paired(a, b, f), 2)}×`;
  // Sync-only rounds only: the update rounds' syncs run under write load, the floor never does.
  const hasFloor = present.includes(floorKey);
  const floorSync = med(floorKey, syncOf);
  const overFloor = (k: string) => ratio(med(k, syncOf), floorSync);
  const out: string[] = [];
  out.push(
    '',
    `informer: ${objects} ConfigMaps (avg ${Math.round(jsonBytes)} B of JSON each as listed, ${Math.round(strippedBytes)} B without managedFields) in one namespace, transform: strip managedFields.`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load average at start ${load0.map((l) => l.toFixed(1)).join(' ')}, at end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(
        ' ',
      )}. kubekit ${env.BENCH_GIT_COMMIT ?? ''}${env.KUBEKIT_BENCH_SRC ? ` (src: ${env.KUBEKIT_BENCH_SRC})` : ''}.`,
    `Medians, one fresh process per implementation and run, one at a time, order rotating. Sync and memory rows: ${rounds} sync-only round(s) on the settled apiserver, nothing writing (runs: ${present.map((k) => `${k} ${n(k)}`).join(', ')}). Update rows: ${updateRounds} round(s) of sync + ${updates} merge patches from a separate Go writer (${writerParallel} in flight) (runs: ${present
      .filter((k) => nu(k) > 0)
      .map((k) => `${k} ${nu(k)}`)
      .join(', ')}).`,
    table(['metric', ...present, ...ratioColumns.map(([a, b]) => `${a} / ${b}`)], rows),
  );
  if (hasFloor) {
    // Beside each sync time, its ratio to the floor: medians, and the median of the per-round
    // ratios (each sample against the floor's sample of the same round).
    const floorCpu = med(floorKey, cpuOf);
    out.push(
      '',
      `Sync against the floor (${floorKey}: ${all.find((v) => v.key === floorKey)!.label}; ${fmt(floorSync)} ms, CPU ${fmt(floorCpu)} ms; sync-only rounds, medians):`,
      table(
        [
          'implementation',
          'start → synced, ms',
          '÷ LIST floor',
          '÷ LIST floor, paired by round',
          'CPU to sync, ms',
          'CPU ÷ LIST floor',
        ],
        present.map((k) => [
          k,
          fmt(med(k, syncOf)),
          `${fmt(overFloor(k), 2)}×`,
          `${fmt(paired(k, floorKey, syncOf), 2)}×`,
          fmt(med(k, cpuOf)),
          `${fmt(ratio(med(k, cpuOf), floorCpu), 2)}×`,
        ]),
      ),
    );
  }

  const goal = (name: string, met: boolean, detail: string) => {
    out.push(`goal ${met ? 'MET   ' : 'MISSED'} ${name}: ${detail}`);
    jsonLines.push({ benchmark: 'informer', measurement: 'goal', goal: name, met, detail });
  };
  const syncGo = med('client-go', (r) => r.syncMs as number);
  const syncCN = med('client-node@24', (r) => r.syncMs as number);
  const perGo = med('client-go', (r) => r.heapBytesPerObject as number);
  const rssGo = med('client-go', (r) => r.rssBytesPerObject as number);
  // The floor beside a sync ratio: how far each side of it is above client-go's bare LIST.
  const floorNote = (a: string, b: string) =>
    hasFloor
      ? `; LIST floor ${fmt(floorSync)} ms: ${a} ${fmt(overFloor(a), 2)}×, ${b} ${fmt(overFloor(b), 2)}×`
      : '';
  // Where the RSS per object comes from: the same code on Node 20, and on Node 24 with V8's
  // young generation capped as Node 20 caps it.
  const rssNotes = (subject: string) => {
    if (subject !== kk) return '';
    const others = ['kubekit@20', 'kubekit-semi16@24'].filter((k) => present.includes(k));
    return others
      .map((k) => {
        const b = med(k, (r) => r.rssBytesPerObject as number);
        return `; ${k}: ${fmt(b)} B (${fmt(b / rssGo, 2)}×)`;
      })
      .join('');
  };
  out.push('');
  for (const subject of subjects) {
    const who = subject === kk ? 'kubekit' : 'kubekit prototype (kubekit-b@24)';
    const syncKK = med(subject, (r) => r.syncMs as number);
    const perKK = med(subject, (r) => r.heapBytesPerObject as number);
    const rssKK = med(subject, (r) => r.rssBytesPerObject as number);
    goal(
      `${who}: sync no slower than client-go`,
      syncKK <= syncGo,
      `${fmt(syncKK)} ms vs client-go ${fmt(syncGo)} ms (${fmt(syncKK / syncGo, 2)}×${pairedNote(subject, 'client-go', syncOf)})${floorNote(subject, 'client-go')}`,
    );
    goal(
      `${who}: sync ≥ 2× faster than client-node`,
      syncCN / syncKK >= 2,
      `client-node ${fmt(syncCN)} ms / ${fmt(syncKK)} ms = ${fmt(syncCN / syncKK, 2)}×${pairedNote('client-node@24', subject, syncOf)}${floorNote(subject, 'client-node@24')}`,
    );
    goal(
      `${who}: memory per cached object ≤ 2× client-go (live heap after GC)`,
      perKK <= 2 * perGo,
      `${fmt(perKK)} B vs client-go ${fmt(perGo)} B (${fmt(perKK / perGo, 2)}×)`,
    );
    goal(
      `${who}: memory per cached object ≤ 2× client-go (RSS after GC)`,
      rssKK <= 2 * rssGo,
      `${fmt(rssKK)} B vs client-go ${fmt(rssGo)} B (${fmt(rssKK / rssGo, 2)}×)${rssNotes(subject)}`,
    );
  }

  for (const key of present) {
    const rowsOf = by(key);
    jsonLines.push({
      benchmark: 'informer',
      measurement: 'summary',
      variant: key,
      runs: rowsOf.length,
      ...Object.fromEntries(metrics.map((m) => [m.key, round(med(key, m.f, m.phase), 1)])),
      ...(hasFloor
        ? {
            listFloorSyncMs: round(floorSync, 1),
            syncOverListFloor: round(overFloor(key), 3),
            syncOverListFloorPaired: round(paired(key, floorKey, syncOf), 3),
            syncCpuOverListFloor: round(ratio(med(key, cpuOf), med(floorKey, cpuOf)), 3),
          }
        : {}),
    });
  }

  if (soakResults.length > 0) {
    const soakRows = soakResults.map((s) => {
      const plain = s.samples.filter((x) => !x.gc);
      const firstMin = plain.filter((x) => x.t <= 60).map((x) => x.rss);
      const lastMin = plain.filter((x) => x.t >= soakSeconds - 60).map((x) => x.rss);
      const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const growth = avg(lastMin) - avg(firstMin);
      const perHour =
        slope(
          plain.map((x) => x.t),
          plain.map((x) => x.rss),
        ) * 3600;
      const secondHalf = plain.filter((x) => x.t >= soakSeconds / 2);
      const perHourSecondHalf =
        slope(
          secondHalf.map((x) => x.t),
          secondHalf.map((x) => x.rss),
        ) * 3600;
      const gcs = s.samples.filter((x) => x.gc);
      const heapGrowth = gcs.length >= 2 ? gcs[gcs.length - 1]!.heapUsed - gcs[0]!.heapUsed : NaN;
      const rssMax = Math.max(...plain.map((x) => x.rss));
      const events = s.samples[s.samples.length - 1]!.updates - s.samples[0]!.updates;
      jsonLines.push({
        benchmark: 'informer',
        measurement: 'soak',
        variant: s.variant,
        seconds: soakSeconds,
        updatesPerSecond: soakRate,
        churnPerSecond: soakChurn,
        updateEventsSeen: events,
        rssFirstMinuteAvg: Math.round(avg(firstMin)),
        rssLastMinuteAvg: Math.round(avg(lastMin)),
        rssGrowth: Math.round(growth),
        rssSlopeBytesPerHour: Math.round(perHour),
        rssSlopeSecondHalfBytesPerHour: Math.round(perHourSecondHalf),
        rssMin: Math.min(...plain.map((x) => x.rss)),
        rssMax,
        heapAfterGCStart: gcs[0]?.heapUsed,
        heapAfterGCEnd: gcs[gcs.length - 1]?.heapUsed,
        heapGrowthAfterGC: heapGrowth,
        cacheSizeAfterWriter: s.cacheSize,
        serverCountAfterWriter: s.serverCount,
        samples: s.samples.map((x) => [round(x.t, 1), x.rss, x.heapUsed]),
      });
      return [
        s.variant,
        mib(avg(firstMin)),
        mib(avg(lastMin)),
        `${growth >= 0 ? '+' : ''}${mib(growth)}`,
        `${perHour >= 0 ? '+' : ''}${mib(perHour)}`,
        `${perHourSecondHalf >= 0 ? '+' : ''}${mib(perHourSecondHalf)}`,
        mib(Math.min(...plain.map((x) => x.rss))),
        mib(rssMax),
        `${heapGrowth >= 0 ? '+' : ''}${mib(heapGrowth)}`,
        fmt(events),
      ];
    });
    out.push(
      '',
      `Soak: ${soakResults.map((s) => s.variant).join(', ')} side by side for ${soakSeconds} s while a writer sent ${soakRate} patches/s and created+deleted ${soakChurn} object/s; RSS sampled every 10 s (no forced GC), heap after a forced GC at start and end.`,
      table(
        [
          'implementation',
          'RSS 1st min, MiB',
          'RSS last min, MiB',
          'growth',
          'trend / hour',
          '2nd-half trend / hour',
          'RSS min',
          'RSS max',
          'heap after GC, end − start',
          'update events',
        ],
        soakRows,
      ),
    );
    for (const kkSoak of soakResults.filter((s) => s.variant.startsWith('kubekit'))) {
      const j = jsonLines.find((l) => l.measurement === 'soak' && l.variant === kkSoak.variant)!;
      const growthMiB = (j.rssGrowth as number) / 1024 / 1024;
      // "No growth": the last minute's average RSS within 5% (or 8 MiB) of the first minute's,
      // and the trend over the second half (after the sync peak has been given back) would add
      // no more than that over a whole soak either.
      const limit = Math.max(8, ((j.rssFirstMinuteAvg as number) / 1024 / 1024) * 0.05);
      const secondHalfMiB = ((j.rssSlopeSecondHalfBytesPerHour as number) * soakSeconds) / 3600 / 1024 / 1024;
      goal(
        `${kkSoak.variant}: no RSS growth over the ${fmt(soakSeconds / 60, soakSeconds % 60 ? 1 : 0)}-minute soak`,
        growthMiB <= limit && secondHalfMiB <= limit,
        `RSS ${fmt(growthMiB, 1)} MiB from the first to the last minute, second-half trend ${fmt(secondHalfMiB, 1)} MiB per ${fmt(soakSeconds / 60, 1)} min (limit ${fmt(limit, 1)} MiB each); heap after GC ${fmt((j.heapGrowthAfterGC as number) / 1024 / 1024, 1)} MiB end − start`,
      );
    }
  }
  out.push(
    '',
    `How measured: syncMs = performance.now()/time.Now() from just before the informer is started to the first 5 ms poll at which it reports synced and the handler has received all ${objects} adds; RSS from /proc (Node process.memoryUsage().rss, Go VmRSS); heap = V8 heapUsed / Go HeapAlloc; "+ GC" = after gc()×2 (node --expose-gc) / runtime.GC()+debug.FreeOSMemory(); per object = (after sync + GC − idle baseline after GC, same process) ÷ ${objects}. Updates: lag = handler's Date.now() − writer's wall-clock ms in data.ts (stamped just before sending); delivered/s = events ÷ (last handler receipt − writer start); CPU per event = process CPU from arming to the last event ÷ events. LIST floor (${floorKey}) = client-go's typed ConfigMaps(ns).List, limit 500, following continue tokens (resourceVersion "", so the apiserver pages from its watch cache), the client-go worker's client settings, each page dropped once counted; syncMs from just before the first request to the last page decoded (no poll), and it must list exactly ${objects} objects.`,
    `Total ${fmt((performance.now() - started) / 60000, 1)} min; seeding ${seedMs === undefined ? 'reused' : `${fmt(seedMs)} ms`}.`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
  for (const l of jsonLines) process.stdout.write(`${JSON.stringify(l)}\n`);
}

try {
  await main();
} finally {
  await shutdown();
}
