/**
 * Measuring helpers shared by the bench/client workers. Every worker runs in its own process
 * (started by main.ts with `--expose-gc`), so one side's JIT state, heap and sockets never
 * influence the other's.
 *
 * - Wall time: `performance.now()` around one whole iteration.
 * - CPU time: `process.cpuUsage()` delta (user + system, every thread of the process: the JS
 *   thread, undici, and the libuv pool where zlib inflates).
 * - Allocated bytes: JS-heap bytes allocated during one iteration, from `v8.GCProfiler`:
 *   Σ over the GCs in the iteration of (usedHeapSize before that GC − usedHeapSize after the
 *   previous one) + the growth since the last GC. Node 20 and 24 have no
 *   `total_allocated_bytes` in `v8.getHeapStatistics()`, so this is the exact-enough substitute;
 *   it counts the V8 heap only (strings, objects), not Buffers/ArrayBuffers outside it.
 * - Retained bytes: after the allocation iteration, `gc()` while the result is still referenced,
 *   minus the heap used before the iteration (after a `gc()` too): what keeping the decoded
 *   result costs.
 * Timed iterations and memory iterations are separate, so forced GCs never land in a timing.
 */
import v8 from 'node:v8';

export interface IterationTiming {
  wallMs: number;
  cpuMs: number;
}

export interface IterationMemory {
  allocatedBytes: number;
  retainedBytes: number;
  gcCount: number;
  gcPauseMs: number;
}

export interface WorkerResult {
  timings: IterationTiming[];
  memory: IterationMemory[];
  extra: Record<string, unknown>;
}

declare const gc: (() => void) | undefined;

function forceGc(): void {
  if (typeof gc !== 'function') throw new Error('run the worker with --expose-gc');
  gc();
  gc();
}

/** Times one iteration of `fn` (its result is dropped before the next one starts). */
export async function timeOnce(fn: () => Promise<unknown>): Promise<IterationTiming> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

interface GcStat {
  cost: number;
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

/** Runs `fn` once and reports the JS-heap bytes it allocated and the bytes its result retains. */
export async function memoryOnce(fn: () => Promise<unknown>): Promise<IterationMemory> {
  forceGc();
  const baseline = v8.getHeapStatistics().used_heap_size;
  const profiler = new v8.GCProfiler();
  profiler.start();
  const start = v8.getHeapStatistics().used_heap_size;
  let result: unknown = await fn();
  const end = v8.getHeapStatistics().used_heap_size;
  const stats = (profiler.stop() as unknown as { statistics: GcStat[] }).statistics;
  let allocatedBytes = 0;
  let previous = start;
  let gcPauseUs = 0;
  for (const s of stats) {
    allocatedBytes += s.beforeGC.heapStatistics.usedHeapSize - previous;
    previous = s.afterGC.heapStatistics.usedHeapSize;
    gcPauseUs += s.cost;
  }
  allocatedBytes += end - previous;
  forceGc();
  const retainedBytes = v8.getHeapStatistics().used_heap_size - baseline;
  // Keep `result` alive until the retained size was taken.
  if (result === Symbol.for('never')) console.log(result);
  result = undefined;
  return { allocatedBytes, retainedBytes, gcCount: stats.length, gcPauseMs: gcPauseUs / 1000 };
}

/**
 * Serves iterations on request, so that main.ts can alternate several long-lived worker
 * processes iteration by iteration (paired samples: machine noise hits both sides alike).
 * Protocol, one line each way: `warmup` | `time` | `memory` | `exit` on stdin; a line starting
 * with {@link resultMarker} and a JSON value on stdout (`ready` once set up, then one per command).
 */
export async function serve(fn: () => Promise<unknown>, info: Record<string, unknown> = {}): Promise<void> {
  const reply = (value: unknown) => process.stdout.write(`${resultMarker}${JSON.stringify(value)}\n`);
  reply({ ready: true, node: process.version, ...info });
  const { createInterface } = await import('node:readline');
  for await (const command of createInterface({ input: process.stdin })) {
    switch (command.trim()) {
      case 'warmup':
        await fn();
        reply({ ok: true });
        break;
      case 'time':
        reply(await timeOnce(fn));
        break;
      case 'memory':
        reply(await memoryOnce(fn));
        break;
      case 'exit':
        return;
      default:
        throw new Error(`unknown command "${command}"`);
    }
  }
}

/** Reads `--name=value` integer options of a worker's command line. */
export function intArg(name: string, fallback: number): number {
  const prefix = `--${name}=`;
  const arg = process.argv.find((a) => a.startsWith(prefix));
  if (!arg) return fallback;
  const value = Number(arg.slice(prefix.length));
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
}

/** Reads a `--name=value` string option of a worker's command line. */
export function stringArg(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/** Marks the lines of stdout that carry results; main.ts ignores every other line. */
export const resultMarker = 'BENCH_WORKER_RESULT ';

export function emitResult(result: WorkerResult): void {
  process.stdout.write(`${resultMarker}${JSON.stringify(result)}\n`);
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
