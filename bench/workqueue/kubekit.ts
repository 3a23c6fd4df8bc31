// Runs one workqueue benchmark scenario against kubekit and prints one JSON object: the mirror of
// go/main.go (same key sequence, same phases, same warm-up and median). compare.ts starts it as
// `node --expose-gc --import tsx bench/workqueue/kubekit.ts --scenario …`.
import { parseArgs } from 'node:util';
import { DelayingQueue, Queue } from '../../src/workqueue/index.js';

type Result = Record<string, unknown>;

/** The key sequence of go/main.go: every tenth add repeats the key added five adds earlier. */
function keys(n: number): string[] {
  const out = new Array<string>(n);
  let unique = 0;
  for (let i = 0; i < n; i++) {
    if (i % 10 === 9) {
      out[i] = out[i - 5]!;
      continue;
    }
    out[i] = `namespace-${unique % 100}/object-${unique}`;
    unique++;
  }
  return out;
}

/** CPU time (user + system, all threads) since `since`, in nanoseconds. */
function cpuNs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) * 1000;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run node with --expose-gc');
  collect();
  collect();
}

/** JS heap plus off-heap buffers (the delay heap keeps its ready times in Float64Arrays). */
function heapBytes(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/**
 * Adds every key while `workers` async workers get and mark done, then shuts the queue down and
 * waits for the workers to drain it: adds per second over the whole run. The producer yields to
 * the event loop after every `batch` adds, as an informer handler fed by a watch stream would;
 * workers run in between.
 */
async function throughput(ks: string[], workers: number, batch: number): Promise<Result> {
  const n = ks.length;
  const q = new Queue<string>();
  let processed = 0;
  const worker = async () => {
    for (;;) {
      const r = await q.get();
      if (r.shutdown) return;
      q.done(r.item);
      processed++;
    }
  };
  // No forced GC before the run: a full collection shrinks V8's young generation, so the run
  // would measure heap regrowth instead of the queue (a controller never forces GCs either).
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const running = Array.from({ length: workers }, worker);
  for (let i = 0; i < n; i++) {
    q.add(ks[i]!);
    if ((i + 1) % batch === 0) await yieldToLoop();
  }
  q.shutDown();
  await Promise.all(running);
  const elapsed = performance.now() - start;
  return { cpuNsPerOp: cpuNs(cpu0) / n, elapsedMs: elapsed, opsPerSec: n / (elapsed / 1000), processed };
}

/** mulberry32: a small seeded PRNG (the delays differ from Go's draw, the distribution does not). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Distinct keys (deduplication must not flatter memory) and random delays in [1, maxDelayMs]. */
function delayedKeys(n: number, maxDelayMs: number, seed: number): [string[], number[]] {
  const ks = Array.from({ length: n }, (_, i) => `namespace-${i % 100}/object-${i}`);
  const random = prng(seed);
  const delays = Array.from({ length: n }, () => 1 + Math.floor(random() * maxDelayMs));
  return [ks, delays];
}

/** Heap held per item waiting in a delaying queue (delays an hour out, so nothing fires). */
function pendingBytesPerItem(ks: string[], delays: number[]): number {
  const before = heapBytes();
  const q = new DelayingQueue<string>();
  for (let i = 0; i < ks.length; i++) q.addAfter(ks[i]!, 3_600_000 + delays[i]!);
  const after = heapBytes();
  q.shutDown();
  return (after - before) / ks.length;
}

/** Times addAfter for every key, and the wait until one worker has processed them all. */
async function delivery(ks: string[], delays: number[], maxDelayMs: number): Promise<Result> {
  const n = ks.length;
  const q = new DelayingQueue<string>();
  let lastDelivery = 0;
  const worker = (async () => {
    for (let processed = 0; processed < n; processed++) {
      const r = await q.get();
      if (r.shutdown) return;
      q.done(r.item);
    }
    lastDelivery = performance.now();
  })();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < n; i++) q.addAfter(ks[i]!, delays[i]!);
  const addElapsed = performance.now() - start;
  await worker;
  const cpuNsPerOp = cpuNs(cpu0) / n;
  q.shutDown();
  return { cpuNsPerOp, opsPerSec: n / (addElapsed / 1000), lateMs: lastDelivery - start - maxDelayMs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Like go/main.go's repeat: median and samples of every numeric field, plus the cold run. */
async function repeat(warmup: number, reps: number, fn: () => Promise<Result>): Promise<Result> {
  let cold: Result | undefined;
  for (let i = 0; i < warmup; i++) {
    const r = await fn();
    if (i === 0) cold = r;
  }
  const samples: Record<string, number[]> = {};
  for (let i = 0; i < reps; i++) {
    for (const [k, v] of Object.entries(await fn())) {
      if (typeof v !== 'number') continue;
      samples[k] ??= [];
      samples[k].push(v);
    }
  }
  const out: Result = {};
  for (const [k, xs] of Object.entries(samples)) {
    out[k] = median(xs);
    out[`${k}Samples`] = xs;
  }
  if (cold !== undefined) out.coldOpsPerSec = cold.opsPerSec;
  return out;
}

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'throughput' },
    n: { type: 'string', default: '1000000' },
    workers: { type: 'string', default: '1' },
    'max-delay-ms': { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    batch: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '1' },
    reps: { type: 'string', default: '5' },
  },
});

const n = Number(values.n);
const warmup = Number(values.warmup);
const reps = Number(values.reps);
let result: Result;
if (values.scenario === 'throughput') {
  const ks = keys(n);
  result = await repeat(warmup, reps, () => throughput(ks, Number(values.workers), Number(values.batch)));
} else if (values.scenario === 'addafter') {
  const maxDelayMs = Number(values['max-delay-ms']);
  const [ks, delays] = delayedKeys(n, maxDelayMs, Number(values.seed));
  const bytesPerItem = pendingBytesPerItem(ks, delays);
  result = await repeat(warmup, reps, () => delivery(ks, delays, maxDelayMs));
  result.bytesPerItem = bytesPerItem;
} else {
  throw new Error(`unknown scenario ${values.scenario}`);
}
result.peakRssKiB = process.resourceUsage().maxRSS;
process.stdout.write(`${JSON.stringify({ ...result, impl: 'kubekit', runtime: process.version })}\n`);
