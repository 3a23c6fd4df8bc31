/**
 * bench/client: kubekit's list and watch-decode paths against @kubernetes/client-node and the
 * JSON.parse floor, on one real kube-apiserver in one run (issue 3, "Benchmark"). Started by
 * bench/client/run.sh, which supplies the Node binaries and installs the peer; see README.md.
 *
 * 1. Starts a LocalControlPlane, creates a namespace and, while a raw watch on it records every
 *    byte the server sends, seeds 10,000 ConfigMaps (~1 KiB) with parallel kubekit creates (qps
 *    off), updates 2,000 of them and creates and deletes 1,000 more.
 * 2. List: worker processes list the 10,000 in pages of 500 — kubekit (`listAll`) and
 *    client-node (`listNamespacedConfigMap` + `_continue`) on Node 24, kubekit on Node 20 and
 *    kubekit asking for gzip (compression: 'gzip'; its default skips gzip on loopback) for
 *    information — in rounds whose order rotates.
 * 3. Watch decode: the recording, repeated to 100,000 events, through `decodeWatchStream` in
 *    16 KiB and 64 KiB chunks versus `JSON.parse` over the same lines.
 * 4. Prints a table, one JSON line per measurement, and stops the control plane.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { ConfigMaps, KubeClient, loadDefaultConnection, Namespaces } from '../../src/client/index.js';
import { LocalControlPlane } from '../../src/testing/index.js';
import {
  type IterationMemory,
  type IterationTiming,
  median,
  quantile,
  resultMarker,
  type WorkerResult,
} from './harness.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const env = process.env;
const int = (name: string, fallback: number) => {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return n;
};

const node24 = env.BENCH_NODE24;
const node20 = env.BENCH_NODE20;
if (!node24) throw new Error('BENCH_NODE24 (path of a Node 24 binary) is not set; run bench/client/run.sh');
const objects = int('BENCH_CLIENT_OBJECTS', 10_000);
const pageSize = int('BENCH_CLIENT_PAGE', 500);
const rounds = int('BENCH_CLIENT_ROUNDS', 2);
const listWarmup = int('BENCH_CLIENT_LIST_WARMUP', 2);
const listIterations = int('BENCH_CLIENT_LIST_ITERATIONS', 8);
const listMemoryIterations = int('BENCH_CLIENT_LIST_MEMORY_ITERATIONS', 1);
const watchEvents = int('BENCH_CLIENT_WATCH_EVENTS', 100_000);
const watchRounds = int('BENCH_CLIENT_WATCH_ROUNDS', 2);
const watchIterations = int('BENCH_CLIENT_WATCH_ITERATIONS', 8);
const chunkSizes = (env.BENCH_CLIENT_CHUNKS ?? '16384,65536').split(',').map(Number);
const only = new Set((env.BENCH_CLIENT_ONLY ?? 'list,watch').split(','));
const namespace = 'bench-client';
const updates = Math.round(objects / 5);
const churn = Math.round(objects / 10);

const log = (message: string) => process.stderr.write(`bench/client: ${message}\n`);

// ---------------------------------------------------------------- control plane and seeding

const scratch = mkdtempSync(join(tmpdir(), 'kubekit-bench-client-'));
let plane: LocalControlPlane | undefined;
let stopping: Promise<void> | undefined;
function shutdown(): Promise<void> {
  stopping ??= (async () => {
    await plane?.stop();
    rmSync(scratch, { recursive: true, force: true });
  })();
  return stopping;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the control plane`);
    void shutdown().finally(() => process.exit(130));
  });
}

/** Runs `task(i)` for i in [0, n) with at most `parallel` in flight. */
async function parallel(
  n: number,
  parallelism: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallelism, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

/** ~1 KiB once the server has added uid, timestamps and managedFields. */
function configMap(i: number, generation = 0): ConfigMap {
  const data: Record<string, string> = {};
  let x = (i + 1) * 2654435761 + generation;
  for (let k = 0; k < 6; k++) {
    let value = '';
    while (value.length < 80) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      value += x.toString(36);
    }
    data[`key-${k}`] = value.slice(0, 80);
  }
  return {
    metadata: {
      name: `cm-${String(i).padStart(5, '0')}`,
      labels: { app: 'bench-client', shard: String(i % 16) },
    },
    data,
  };
}

interface Recording {
  file: string;
  events: number;
  bytes: number;
  contentEncoding: string;
  chunkSizes: number[];
  resumed: number;
}

async function seedAndRecord(kube: KubeClient): Promise<Recording> {
  await kube.resource(Namespaces).create({ metadata: { name: namespace } });
  const cms = kube.resource(ConfigMaps).namespace(namespace);
  const start = await cms.list({ limit: 1 });

  // A raw watch: the recording keeps the bytes exactly as the server sent them. If the server
  // ends the watch early (it closes watchers that fall behind), it is reopened from the last
  // resourceVersion recorded, so every event is recorded once.
  const expected = objects + updates + 2 * churn;
  const received: Buffer[] = [];
  const chunkSizes: number[] = [];
  const state = { lines: 0, resumed: 0, closed: false, contentEncoding: 'identity' };
  let lastLine = Buffer.alloc(0);
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  let current: { close(): void } | undefined;
  const openWatch = async (resourceVersion: string | undefined) => {
    const res = await kube.rest.stream({
      method: 'GET',
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      query: { watch: true, resourceVersion, allowWatchBookmarks: true },
    });
    current = res;
    state.contentEncoding = String(res.headers['content-encoding'] ?? 'identity');
    return res;
  };
  const record = async (res: Awaited<ReturnType<typeof openWatch>>) => {
    let partial: Buffer[] = [];
    for await (const chunk of res.body) {
      chunkSizes.push(chunk.length);
      // Keep whole lines only, so a reopened watch continues exactly after the last one.
      const end = chunk.lastIndexOf(0x0a);
      if (end === -1) {
        partial.push(chunk);
        continue;
      }
      const whole = Buffer.concat([...partial, chunk.subarray(0, end + 1)]);
      partial = end + 1 < chunk.length ? [chunk.subarray(end + 1)] : [];
      received.push(whole);
      for (let nl = whole.indexOf(0x0a); nl !== -1; nl = whole.indexOf(0x0a, nl + 1)) state.lines++;
      lastLine = whole.subarray(whole.lastIndexOf(0x0a, whole.length - 2) + 1);
      if (state.lines >= expected) resolveDone();
    }
  };
  const reading = (async () => {
    let res = await openWatch(start.metadata?.resourceVersion);
    for (;;) {
      try {
        await record(res);
      } catch (err) {
        if (!state.closed) log(`the recording watch broke: ${(err as Error).message}`);
      }
      if (state.closed || state.lines >= expected) return;
      const rv = (
        JSON.parse(lastLine.toString('utf8')) as { object: { metadata: { resourceVersion: string } } }
      ).object.metadata.resourceVersion;
      state.resumed++;
      log(`the apiserver ended the recording watch after ${state.lines} events; resuming from ${rv}`);
      res = await openWatch(rv);
    }
  })();

  const t0 = performance.now();
  await parallel(objects, 64, (i) => cms.create(configMap(i)));
  log(`seeded ${objects} ConfigMaps in ${Math.round(performance.now() - t0)} ms`);
  const t1 = performance.now();
  await parallel(updates, 64, async (i) => {
    const cm = configMap(i * 5, 1);
    await cms.patch(cm.metadata!.name!, { data: cm.data });
  });
  await parallel(churn, 64, (i) =>
    cms.create({ ...configMap(objects + i), metadata: { name: `churn-${i}` } }),
  );
  await parallel(churn, 64, (i) => cms.delete(`churn-${i}`));
  log(
    `made ${updates} updates, ${churn} creates and ${churn} deletes in ${Math.round(performance.now() - t1)} ms`,
  );

  const timeout = setTimeout(resolveDone, 60_000);
  await done;
  clearTimeout(timeout);
  state.closed = true;
  current?.close();
  await reading.catch(() => {});
  const whole = Buffer.concat(received);
  const file = join(scratch, 'watch-recording.jsonl');
  writeFileSync(file, whole);
  const events = state.lines;
  log(
    `recorded ${events} watch events (${whole.length} bytes, content-encoding ${state.contentEncoding}, watch reopened ${state.resumed}×) of ${expected} expected`,
  );
  if (events < expected * 0.9) throw new Error(`the watch recorded only ${events} of ${expected} events`);
  return {
    file,
    events,
    bytes: whole.length,
    contentEncoding: state.contentEncoding,
    chunkSizes,
    resumed: state.resumed,
  };
}

// ---------------------------------------------------------------- workers

interface Variant {
  key: string;
  label: string;
  node: string;
  script: string;
  args: string[];
  env?: Record<string, string>;
}

const cpuProfDir = env.BENCH_CLIENT_CPU_PROF ? resolve(env.BENCH_CLIENT_CPU_PROF) : undefined;

function workerArgs(script: string, name: string): string[] {
  const prof = cpuProfDir
    ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
  return ['--expose-gc', ...prof, '--import', 'tsx', script];
}

/** Runs one worker process to its end and returns its result line (watch decode). */
function runWorker(node: string, script: string, args: string[], name: string): Promise<WorkerResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(node, [...workerArgs(script, name), ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(resultMarker));
      if (code !== 0 || !line) {
        reject(new Error(`${script} on ${node} exited with ${code}${line ? '' : ' without a result'}`));
        return;
      }
      resolvePromise(JSON.parse(line.slice(resultMarker.length)) as WorkerResult);
    });
  });
}

/** A long-lived worker that runs one iteration per command (see `serve` in harness.ts). */
class ServingWorker {
  private readonly child: ReturnType<typeof spawn>;
  private readonly waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  private buffer = '';
  private exited: Error | undefined;

  constructor(
    readonly label: string,
    node: string,
    script: string,
    args: string[],
    name: string,
    extraEnv: Record<string, string> = {},
  ) {
    this.child = spawn(node, [...workerArgs(script, name), ...args], {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: '', ...extraEnv },
    });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (d: string) => {
      this.buffer += d;
      for (let nl = this.buffer.indexOf('\n'); nl !== -1; nl = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (line.startsWith(resultMarker))
          this.waiting.shift()?.resolve(JSON.parse(line.slice(resultMarker.length)));
      }
    });
    const fail = (err: Error) => {
      this.exited = err;
      for (const w of this.waiting.splice(0)) w.reject(err);
    };
    this.child.on('error', fail);
    this.child.on('exit', (code) => fail(new Error(`${label}: worker exited with ${code}`)));
  }

  private next<T>(): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ resolve: resolve as (v: unknown) => void, reject });
    });
  }

  ready(): Promise<Record<string, unknown>> {
    return this.next();
  }

  command<T>(command: 'warmup' | 'time' | 'memory'): Promise<T> {
    const reply = this.next<T>();
    this.child.stdin!.write(`${command}\n`);
    return reply;
  }

  async exit(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin!.end('exit\n');
    await exited;
  }
}

async function nodeVersion(node: string): Promise<string> {
  return new Promise((r, reject) => {
    const child = spawn(node, ['--version'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('close', () => r(out.trim()));
  });
}

/**
 * CPU time (user + system, ms) the kube-apiserver serving `server` has used so far, from
 * /proc/<pid>/stat; undefined where /proc or the process cannot be found (then not reported).
 */
function apiServerCpu(server: string): (() => number) | undefined {
  const port = new URL(server).port;
  const ticks = 100; // USER_HZ on Linux
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let cmdline: string;
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      const args = cmdline.split('\0');
      if (!args[0]?.endsWith('/kube-apiserver') || !args.includes(`--secure-port=${port}`)) continue;
      return () => {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks;
      };
    }
  } catch {
    // no /proc
  }
  return undefined;
}

// ---------------------------------------------------------------- summaries

interface Summary {
  samples: number;
  wallMs: number;
  wallMsP25: number;
  wallMsP75: number;
  cpuMs: number;
  /** Median kube-apiserver CPU during one iteration (NaN where not measured). */
  serverCpuMs: number;
  allocatedBytes: number;
  retainedBytes: number;
  gcCount: number;
  gcPauseMs: number;
}

function summarize(timings: IterationTiming[], memory: IterationMemory[]): Summary {
  const wall = timings.map((t) => t.wallMs);
  return {
    samples: timings.length,
    wallMs: median(wall),
    wallMsP25: quantile(wall, 0.25),
    wallMsP75: quantile(wall, 0.75),
    cpuMs: median(timings.map((t) => t.cpuMs)),
    serverCpuMs: median(
      timings.map((t) => (t as IterationTiming & { serverCpuMs?: number }).serverCpuMs ?? Number.NaN),
    ),
    allocatedBytes: median(memory.map((m) => m.allocatedBytes)),
    retainedBytes: median(memory.map((m) => m.retainedBytes)),
    gcCount: median(memory.map((m) => m.gcCount)),
    gcPauseMs: median(memory.map((m) => m.gcPauseMs)),
  };
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';
const mib = (bytes: number) => fmt(bytes / 1024 / 1024, 1);
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

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

// ---------------------------------------------------------------- main

const jsonLines: Record<string, unknown>[] = [];
const report: string[] = [];

async function main(): Promise<void> {
  const started = performance.now();
  const load0 = loadavg();
  // BENCH_CLIENT_REUSE=<kubeconfig>,<recording> measures against a control plane that an earlier
  // `BENCH_CLIENT_HOLD=1` run seeded and keeps up (for profiling and prototypes).
  const reuse = env.BENCH_CLIENT_REUSE?.split(',');
  let kubeconfigPath: string;
  let recording: Recording | undefined;
  if (reuse) {
    kubeconfigPath = reuse[0]!;
    const file = reuse[1] ?? '';
    const bytes = readFileSync(file);
    let events = 0;
    for (let nl = bytes.indexOf(0x0a); nl !== -1; nl = bytes.indexOf(0x0a, nl + 1)) events++;
    recording = {
      file,
      events,
      bytes: bytes.length,
      contentEncoding: '(reused)',
      chunkSizes: [],
      resumed: 0,
    };
  } else {
    plane = await LocalControlPlane.start({
      logger: { debug: () => {}, info: (m) => log(m), warn: (m) => log(m), error: (m) => log(m) },
    });
    kubeconfigPath = plane.kubeconfigPath;
  }
  const connection = await loadDefaultConnection({ kubeconfig: kubeconfigPath });
  const server = connection.server;
  const kube = new KubeClient(connection, { qps: -1 });
  recording ??= await seedAndRecord(kube);
  const firstPage = await kube.resource(ConfigMaps).namespace(namespace).list({ limit: pageSize });
  const itemBytes = Buffer.byteLength(JSON.stringify(firstPage.items)) / firstPage.items.length;
  const total = await kube.resource(ConfigMaps).namespace(namespace).list({ limit: 1 });
  const remaining = Number(total.metadata?.remainingItemCount ?? 0) + total.items.length;
  if (remaining !== objects) throw new Error(`namespace holds ${remaining} ConfigMaps, expected ${objects}`);
  await kube.close();

  const v24 = await nodeVersion(node24!);
  const v20 = node20 ? await nodeVersion(node20) : undefined;
  const common = [
    `--kubeconfig=${kubeconfigPath}`,
    `--namespace=${namespace}`,
    `--expect=${objects}`,
    `--limit=${pageSize}`,
  ];
  const kubekitList = 'bench/client/list-kubekit.ts';
  const peerList = 'bench/client/peer/list-client-node.mjs';

  const environment = {
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    loadAvgAtStart: load0.map((l) => round(l, 2)),
    objects,
    pageSize,
    avgItemJsonBytes: Math.round(itemBytes),
    gitCommit: env.BENCH_GIT_COMMIT ?? '',
    kubekitSrc: env.KUBEKIT_BENCH_SRC ?? 'src',
  };
  report.push(
    `Machine: ${environment.cpus}; load average at start ${environment.loadAvgAtStart.join(' ')}. kubekit ${environment.gitCommit}${env.KUBEKIT_BENCH_SRC ? ` (src: ${env.KUBEKIT_BENCH_SRC})` : ''}.`,
  );

  // ------------------------------------------------ list
  if (only.has('list')) {
    const variants: Variant[] = [
      { key: 'kubekit@24', label: `kubekit, node ${v24}`, node: node24!, script: kubekitList, args: [] },
      { key: 'client-node@24', label: `client-node, node ${v24}`, node: node24!, script: peerList, args: [] },
    ];
    if (node20)
      variants.push({
        key: 'kubekit@20',
        label: `kubekit, node ${v20}`,
        node: node20,
        script: kubekitList,
        args: [],
      });
    variants.push({
      key: 'kubekit-gzip@24',
      label: `kubekit asking for gzip, node ${v24}`,
      node: node24!,
      script: kubekitList,
      args: ['--gzip=1'],
    });
    if (env.KUBEKIT_BENCH_SRC_B) {
      variants.push({
        key: 'kubekit-b@24',
        label: `kubekit B (${env.KUBEKIT_BENCH_SRC_B}), node ${v24}`,
        node: node24!,
        script: kubekitList,
        args: [],
        env: { KUBEKIT_BENCH_SRC: env.KUBEKIT_BENCH_SRC_B },
      });
    }
    const serverCpu = apiServerCpu(server);
    // One long-lived process per variant and round; iterations alternate between them (rotating
    // order), so each iteration i of every variant ran within seconds of the others.
    const timings = new Map<string, IterationTiming[]>(variants.map((v) => [v.key, []]));
    const memory = new Map<string, IterationMemory[]>(variants.map((v) => [v.key, []]));
    let peerVersion = '';
    for (let r = 0; r < rounds; r++) {
      const workers = new Map<string, ServingWorker>();
      for (const v of variants) {
        const w = new ServingWorker(
          v.label,
          v.node,
          v.script,
          [...common, ...v.args],
          `list-${v.key}-round${r + 1}`,
          v.env,
        );
        const info = await w.ready();
        if (typeof info.peerVersion === 'string') peerVersion = info.peerVersion;
        workers.set(v.key, w);
      }
      log(
        `list round ${r + 1}/${rounds}: ${listWarmup} warm-up, ${listIterations} timed and ${listMemoryIterations} memory iterations per implementation`,
      );
      for (let i = 0; i < listWarmup; i++)
        for (const v of variants) await workers.get(v.key)!.command('warmup');
      for (let i = 0; i < listIterations; i++) {
        for (let j = 0; j < variants.length; j++) {
          const v = variants[(i + j) % variants.length]!;
          const server0 = serverCpu?.();
          const timing = await workers.get(v.key)!.command<IterationTiming>('time');
          const server1 = serverCpu?.();
          timings
            .get(v.key)!
            .push(
              server0 === undefined
                ? timing
                : ({ ...timing, serverCpuMs: server1! - server0 } as IterationTiming),
            );
        }
      }
      for (let i = 0; i < listMemoryIterations; i++) {
        for (const v of variants)
          memory.get(v.key)!.push(await workers.get(v.key)!.command<IterationMemory>('memory'));
      }
      for (const w of workers.values()) await w.exit();
    }
    const summaries = new Map(
      variants.map((v) => [v.key, summarize(timings.get(v.key)!, memory.get(v.key)!)]),
    );
    /** Median over iterations of (client-node's time ÷ this variant's time in the same iteration). */
    const pairedSpeedup = (key: string, field: keyof IterationTiming = 'wallMs') => {
      const cnT = timings.get('client-node@24')!;
      return median(timings.get(key)!.map((t, i) => cnT[i]![field] / t[field]));
    };
    const kk = summaries.get('kubekit@24')!;
    const cn = summaries.get('client-node@24')!;
    const rows = variants.map((v) => {
      const s = summaries.get(v.key)!;
      return [
        v.key === 'client-node@24' ? `client-node ${peerVersion}, node ${v24}` : v.label,
        fmt(s.wallMs),
        `${fmt(s.wallMsP25)}–${fmt(s.wallMsP75)}`,
        fmt(s.cpuMs),
        fmt(s.serverCpuMs),
        mib(s.allocatedBytes),
        mib(s.retainedBytes),
        fmt(s.gcCount),
        fmt(cn.wallMs / s.wallMs, 2),
        fmt(pairedSpeedup(v.key), 2),
        fmt(pairedSpeedup(v.key, 'cpuMs'), 2),
      ];
    });
    const speedup = cn.wallMs / kk.wallMs;
    const paired = pairedSpeedup('kubekit@24');
    const verdict = (x: number) => (x >= 1.5 ? 'MET' : 'MISSED');
    report.push(
      '',
      `List ${objects} ConfigMaps (avg ${Math.round(itemBytes)} B of JSON each) in pages of ${pageSize}, decode, collect into one array`,
      `(${rounds} rounds × ${listIterations} timed iterations per implementation after ${listWarmup} warm-up; one process per implementation and round, iterations alternated; medians):`,
      table(
        [
          'implementation',
          'wall ms',
          'p25–p75',
          'cpu ms',
          'server cpu ms',
          'alloc MiB',
          'retained MiB',
          'GCs',
          'speedup (medians)',
          'speedup (paired)',
          'cpu speedup (paired)',
        ],
        rows,
      ),
      `speedup = client-node's wall time ÷ this row's; (paired) = median over iterations of that ratio within one iteration round.`,
      `list speedup kubekit vs client-node (node ${v24}): wall ${fmt(speedup, 2)}× by medians, ${fmt(paired, 2)}× paired (goal ≥ 1.5×: ${verdict(speedup)} by medians, ${verdict(paired)} paired); client CPU ${fmt(cn.cpuMs / kk.cpuMs, 2)}×; JS-heap allocation ${fmt(cn.allocatedBytes / kk.allocatedBytes, 2)}× less`,
    );
    for (const v of variants) {
      const s = summaries.get(v.key)!;
      jsonLines.push({
        benchmark: 'client',
        measurement: 'list',
        impl: v.key.split('@')[0],
        node: v.node === node24 ? v24 : v20,
        ...(v.key.startsWith('client-node') ? { peerVersion } : {}),
        objects,
        pageSize,
        avgItemJsonBytes: Math.round(itemBytes),
        ...Object.fromEntries(Object.entries(s).map(([k, x]) => [k, round(x)])),
        speedupVsClientNode: round(cn.wallMs / s.wallMs),
        pairedSpeedupVsClientNode: round(pairedSpeedup(v.key)),
        method:
          'wall: performance.now() per full listing (all pages, decoded, collected), iterations alternated between long-lived worker processes; cpu: process.cpuUsage delta; alloc: JS-heap bytes via v8.GCProfiler (used-heap growth between GCs); retained: heap after gc() holding the result minus before',
      });
    }
    jsonLines.push({
      benchmark: 'client',
      measurement: 'list-ratio',
      node: v24,
      wallSpeedup: round(speedup),
      pairedWallSpeedup: round(paired),
      cpuRatio: round(cn.cpuMs / kk.cpuMs),
      allocatedRatio: round(cn.allocatedBytes / kk.allocatedBytes),
      goal: 1.5,
      met: speedup >= 1.5,
      metPaired: paired >= 1.5,
    });
  }

  // ------------------------------------------------ watch decode
  if (only.has('watch')) {
    const sortedChunks = [...recording.chunkSizes].sort((a, b) => a - b);
    report.push(
      '',
      `Watch decode: ${recording.events} events recorded from the apiserver (${mib(recording.bytes)} MiB, content-encoding ${recording.contentEncoding}; ` +
        `chunks the client received: median ${fmt(quantile(sortedChunks, 0.5))} B, p90 ${fmt(quantile(sortedChunks, 0.9))} B, max ${fmt(sortedChunks.at(-1) ?? 0)} B),`,
      `repeated to ${watchEvents} events; ${watchRounds} processes × ${watchIterations} iterations per row after 2 warm-up, variants alternated within each process; medians, and (paired) = median of the per-iteration ratio:`,
    );
    const watchNodes: [string, string][] = [[node24!, v24]];
    if (node20 && v20) watchNodes.push([node20, v20]);
    const rows: string[][] = [];
    for (const [node, version] of watchNodes) {
      for (const chunk of chunkSizes) {
        const perVariant = new Map<string, { timings: IterationTiming[]; memory: IterationMemory[] }>();
        let streamBytes = 0;
        for (let r = 0; r < watchRounds; r++) {
          log(`watch decode, node ${version}, ${chunk} B chunks, round ${r + 1}/${watchRounds}`);
          const result = await runWorker(
            node,
            'bench/client/watch-decode.ts',
            [
              `--recording=${recording.file}`,
              `--events=${watchEvents}`,
              `--chunk=${chunk}`,
              '--warmup=2',
              `--iterations=${watchIterations}`,
              '--memory-iterations=1',
            ],
            `watch-${version}-${chunk}-round${r + 1}`,
          );
          streamBytes = Number(result.extra.streamBytes);
          const variants = result.extra.variants as Record<
            string,
            { timings: IterationTiming[]; memory: IterationMemory[] }
          >;
          for (const [name, data] of Object.entries(variants)) {
            const acc = perVariant.get(name) ?? { timings: [], memory: [] };
            acc.timings.push(...data.timings);
            acc.memory.push(...data.memory);
            perVariant.set(name, acc);
          }
        }
        const floorTimings = perVariant.get('json-parse')!.timings;
        const floor = summarize(floorTimings, perVariant.get('json-parse')!.memory);
        const labels: Record<string, string> = {
          'json-parse': 'JSON.parse floor',
          'split-parse': 'split+toString+parse (sync)',
          kubekit: 'kubekit decodeWatchStream',
          'kubekit-b': `kubekit B (${env.KUBEKIT_BENCH_SRC_B ?? ''})`,
        };
        for (const [name, data] of perVariant) {
          const s = summarize(data.timings, data.memory);
          const ratio = s.wallMs / floor.wallMs;
          // Iteration i of every variant ran back to back in one process: compare within it.
          const paired = median(data.timings.map((t, i) => t.wallMs / floorTimings[i]!.wallMs));
          const pairedCpu = median(data.timings.map((t, i) => t.cpuMs / floorTimings[i]!.cpuMs));
          const isGoalRow = name.startsWith('kubekit') && node === node24;
          const verdict = (x: number) => (x <= 1.3 ? 'MET' : 'MISSED');
          rows.push([
            `${labels[name] ?? name}, node ${version}, ${chunk / 1024} KiB`,
            fmt(s.wallMs),
            `${fmt(s.wallMsP25)}–${fmt(s.wallMsP75)}`,
            fmt(s.cpuMs),
            fmt((s.wallMs * 1e6) / watchEvents),
            fmt(streamBytes / 1024 / 1024 / (s.wallMs / 1000)),
            fmt(s.allocatedBytes / watchEvents),
            fmt(ratio, 2),
            `${fmt(paired, 2)}${isGoalRow ? ` (goal ≤ 1.3: ${verdict(paired)})` : ''}`,
            `${fmt(pairedCpu, 2)}${isGoalRow ? ` (${verdict(pairedCpu)})` : ''}`,
          ]);
          jsonLines.push({
            benchmark: 'client',
            measurement: 'watch-decode',
            impl: name,
            node: version,
            events: watchEvents,
            recordedEvents: recording.events,
            streamBytes,
            chunkBytes: chunk,
            samples: s.samples,
            wallMs: round(s.wallMs),
            wallMsP25: round(s.wallMsP25),
            wallMsP75: round(s.wallMsP75),
            cpuMs: round(s.cpuMs),
            nsPerEvent: round((s.wallMs * 1e6) / watchEvents, 1),
            allocatedBytesPerEvent: round(s.allocatedBytes / watchEvents, 1),
            ratioToFloor: round(ratio),
            pairedRatioToFloor: round(paired),
            pairedCpuRatioToFloor: round(pairedCpu),
            ...(name.startsWith('kubekit')
              ? { goal: 1.3, met: ratio <= 1.3, metPaired: paired <= 1.3, metPairedCpu: pairedCpu <= 1.3 }
              : {}),
            method:
              'wall: performance.now() per pass over all events, variants alternated in one process; ratio = ratio of medians, paired = median over iterations of the ratio within one iteration; floor = JSON.parse over pre-split line strings; alloc: JS-heap bytes via v8.GCProfiler',
          });
        }
      }
    }
    report.push(
      table(
        [
          'decoder',
          'wall ms',
          'p25–p75',
          'cpu ms',
          'ns/event',
          'MiB/s',
          'alloc B/event',
          '÷ floor (medians)',
          '÷ floor (paired)',
          'cpu ÷ floor (paired)',
        ],
        rows,
      ),
    );
  }

  report.push(
    '',
    `Total bench time ${fmt((performance.now() - started) / 1000)} s; load average at end ${loadavg()
      .map((l) => round(l, 2))
      .join(' ')}.`,
  );
  jsonLines.push({
    benchmark: 'client',
    measurement: 'environment',
    ...environment,
    loadAvgAtEnd: loadavg().map((l) => round(l, 2)),
  });
}

try {
  await main();
  console.log(report.join('\n'));
  console.log('');
  for (const line of jsonLines) console.log(JSON.stringify(line));
  if (env.BENCH_CLIENT_HOLD === '1' && plane) {
    // For profiling and prototypes: keep the seeded server up and run workers by hand.
    log(
      `holding the control plane until SIGINT/SIGTERM: --kubeconfig=${plane.kubeconfigPath} --namespace=${namespace} --recording=${join(scratch, 'watch-recording.jsonl')}`,
    );
    await new Promise(() => setInterval(() => {}, 1 << 30));
  }
} finally {
  await shutdown();
}
