/**
 * The measuring half every Node informer worker shares (kubekit's worker-kubekit.ts and the
 * client-node peer's peer/worker-client-node.mjs). main.ts drives a worker over stdin/stdout,
 * the same protocol the Go peer (go/main.go, `informer` mode) speaks:
 *
 *   worker → `BENCH {"type":"ready", memory}`          client set up, baseline after gc()
 *   main   → `start`
 *   worker → `BENCH {"type":"synced", syncMs, …}`      informer synced and the handler saw every
 *                                                        initial object; memory before and after gc()
 *   main   → `updates <run> <n>`   worker → `armed`     count updates carrying data.run = <run>
 *   worker → `BENCH {"type":"updates", …}`             when n arrived (or on `report`: partial)
 *   main   → `soak <intervalMs> <durationMs>`           memory samples (`sample`), then `soak-done`
 *   main   → `size`                worker → `size`      objects in the informer's cache
 *   main   → `exit`                worker → `bye`
 *
 * Times: `syncMs` runs from just before the informer is started to the first 5 ms poll that finds
 * it synced; update lag is the handler's `Date.now()` minus the writer's `Date.now()`-equivalent
 * stamped into `data.ts` just before it sent the patch (one machine, one clock).
 */
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { heapSnapshot, startCpuProfile, stopCpuProfile } from './profiler.js';

declare const gc: (() => void) | undefined;

/**
 * The src/ under measurement: KUBEKIT_BENCH_SRC (another copy inside this repo, e.g. a snapshot
 * or a prototype under .cache/, so its imports resolve) or this checkout's.
 */
export const kubekitSrc = process.env.KUBEKIT_BENCH_SRC
  ? resolve(process.env.KUBEKIT_BENCH_SRC)
  : resolve(import.meta.dirname, '../../src');

/** Imports `path` (e.g. `client/index.ts`) from {@link kubekitSrc}. */
export async function importSrc<M>(path: string): Promise<M> {
  return (await import(pathToFileURL(`${kubekitSrc}/${path}`).href)) as M;
}

export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export function memory(): MemorySample {
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
  };
}

/** Two full collections (the second takes what the first's weak callbacks released). */
export function memoryAfterGC(): MemorySample {
  if (typeof gc !== 'function') throw new Error('run the worker with --expose-gc');
  gc();
  gc();
  return memory();
}

export function emit(message: Record<string, unknown>): void {
  process.stdout.write(`BENCH ${JSON.stringify(message)}\n`);
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** What an implementation under test provides. */
export interface InformerUnderTest {
  /** Starts the informer; may resolve before it has synced. */
  start(): Promise<void> | void;
  hasSynced(): boolean;
  cacheSize(): number;
  stop(): Promise<void> | void;
}

interface UpdatePhase {
  run: string;
  expect: number;
  lags: Float64Array;
  received: number;
  firstMs: number;
  lastMs: number;
  armedMs: number;
  armedCpuMs: number;
  lastCpuMs: number;
  reported: boolean;
}

type DataObject = { data?: Record<string, string> | null } | null | undefined;

/** Counters and the update-lag recorder the implementation's handler calls. */
export class Recorder {
  adds = 0;
  updates = 0;
  deletes = 0;
  otherRuns = 0;
  private phase: UpdatePhase | undefined;

  onAdd = (): void => {
    this.adds++;
  };

  onUpdate = (obj: DataObject): void => {
    this.updates++;
    const p = this.phase;
    const data = obj?.data;
    if (p === undefined || p.reported || !data || data.run !== p.run) {
      this.otherRuns++;
      return;
    }
    const now = Date.now();
    if (p.received === 0) p.firstMs = now;
    p.lastMs = now;
    p.lags[p.received++] = now - Number(data.ts);
    if (p.received === p.expect) {
      p.lastCpuMs = cpuMs();
      setImmediate(() => this.report(false));
    }
  };

  onDelete = (): void => {
    this.deletes++;
  };

  private onComplete: (() => void) | undefined;

  /** Starts counting updates of `run`; `onComplete` runs once `expect` arrived (or on report). */
  arm(run: string, expect: number, onComplete?: () => void): void {
    this.onComplete = onComplete;
    this.phase = {
      run,
      expect,
      lags: new Float64Array(expect),
      received: 0,
      firstMs: 0,
      lastMs: 0,
      armedMs: Date.now(),
      armedCpuMs: cpuMs(),
      lastCpuMs: 0,
      reported: false,
    };
  }

  report(partial: boolean): void {
    const p = this.phase;
    if (!p || p.reported) return;
    p.reported = true;
    if (partial) p.lastCpuMs = cpuMs();
    this.onComplete?.();
    this.onComplete = undefined;
    const lags = Array.from(p.lags.subarray(0, p.received)).sort((a, b) => a - b);
    const q = (f: number) => {
      if (lags.length === 0) return Number.NaN;
      const pos = (lags.length - 1) * f;
      const lo = Math.floor(pos);
      const hi = Math.ceil(pos);
      return lags[lo]! + (lags[hi]! - lags[lo]!) * (pos - lo);
    };
    emit({
      type: 'updates',
      run: p.run,
      received: p.received,
      partial,
      firstMs: p.firstMs,
      lastMs: p.lastMs,
      armedMs: p.armedMs,
      cpuMs: p.lastCpuMs - p.armedCpuMs,
      lagMsP50: q(0.5),
      lagMsP90: q(0.9),
      lagMsP99: q(0.99),
      lagMsMax: q(1),
      lagMsMean: lags.reduce((a, b) => a + b, 0) / Math.max(1, lags.length),
      memory: memory(),
    });
  }
}

/** Runs the protocol above around one informer. `create` builds it (not yet started). */
export async function runWorker(
  info: Record<string, unknown>,
  create: (recorder: Recorder) => Promise<InformerUnderTest> | InformerUnderTest,
  expect: number,
): Promise<void> {
  const recorder = new Recorder();
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const command = async (): Promise<string[]> => {
    const next = await lines.next();
    if (next.done) throw new Error('stdin closed');
    return next.value.trim().split(/\s+/);
  };
  const informer = await create(recorder);
  emit({ type: 'ready', runtime: process.version, ...info, memory: memoryAfterGC() });
  const first = await command();
  if (first[0] !== 'start') throw new Error(`expected start, got ${first.join(' ')}`);

  await startCpuProfile();
  const cpu0 = cpuMs();
  const t0 = performance.now();
  const starting = Promise.resolve(informer.start());
  let startError: unknown;
  starting.catch((err: unknown) => {
    startError = err;
  });
  while (!(informer.hasSynced() && recorder.adds >= expect)) {
    if (startError) throw startError;
    await new Promise((r) => setTimeout(r, 5));
  }
  const syncMs = performance.now() - t0;
  const syncCpuMs = cpuMs() - cpu0;
  await stopCpuProfile('sync');
  const afterSync = memory();
  const afterGC = memoryAfterGC();
  heapSnapshot('synced');
  emit({
    type: 'synced',
    syncMs,
    syncCpuMs,
    adds: recorder.adds,
    cacheSize: informer.cacheSize(),
    memory: afterSync,
    memoryAfterGC: afterGC,
  });

  for (;;) {
    const cmd = await command();
    switch (cmd[0]) {
      case 'updates':
        await startCpuProfile();
        recorder.arm(cmd[1]!, Number(cmd[2]), () => void stopCpuProfile('updates'));
        emit({ type: 'armed', run: cmd[1] });
        break;
      case 'report':
        recorder.report(true);
        break;
      case 'soak': {
        const intervalMs = Number(cmd[1]);
        const durationMs = Number(cmd[2]);
        const counters = () => ({
          adds: recorder.adds,
          updates: recorder.updates,
          deletes: recorder.deletes,
        });
        const start = performance.now();
        emit({ type: 'sample', t: 0, gc: true, memory: memoryAfterGC(), ...counters() });
        for (let i = 1; i * intervalMs <= durationMs; i++) {
          const wait = start + i * intervalMs - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          emit({ type: 'sample', t: (performance.now() - start) / 1000, memory: memory(), ...counters() });
        }
        emit({
          type: 'sample',
          t: (performance.now() - start) / 1000,
          gc: true,
          memory: memoryAfterGC(),
          ...counters(),
        });
        emit({ type: 'soak-done', cacheSize: informer.cacheSize() });
        break;
      }
      case 'size':
        emit({ type: 'size', cacheSize: informer.cacheSize() });
        break;
      case 'exit':
        await informer.stop();
        emit({ type: 'bye' });
        process.exit(0);
        break;
      default:
        throw new Error(`unknown command ${cmd.join(' ')}`);
    }
  }
}

/** Reads a `--name=value` option. */
export function arg(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}
