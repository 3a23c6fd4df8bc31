/**
 * Optional per-phase profiling for the Node workers (worker.ts), off unless asked for:
 * - BENCH_INFORMER_CPU_PROF=dir: a V8 CPU profile of the sync phase (`<name>-sync.cpuprofile`,
 *   from just before the informer starts to synced) and of the update phase
 *   (`<name>-updates.cpuprofile`, from arming to the last update), through the inspector, so
 *   module loading and idle time between phases stay out. Summarize with
 *   `npx tsx bench/client/prof-summary.ts <dir>`.
 * - BENCH_INFORMER_HEAP_SNAPSHOT=dir: a heap snapshot after sync and a forced GC
 *   (`<name>-synced.heapsnapshot`); summarize with `npx tsx bench/informer/heap-summary.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

const cpuDir = process.env.BENCH_INFORMER_CPU_PROF;
const heapDir = process.env.BENCH_INFORMER_HEAP_SNAPSHOT;
const name = process.env.BENCH_INFORMER_WORKER_NAME ?? `worker-${process.pid}`;

let session: Session | undefined;

export async function startCpuProfile(): Promise<void> {
  if (!cpuDir) return;
  if (!session) {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
  }
  await session.post('Profiler.start');
}

export async function stopCpuProfile(phase: string): Promise<void> {
  if (!cpuDir || !session) return;
  const { profile } = await session.post('Profiler.stop');
  mkdirSync(cpuDir, { recursive: true });
  writeFileSync(join(cpuDir, `${name}-${phase}.cpuprofile`), JSON.stringify(profile));
}

export function heapSnapshot(phase: string): void {
  if (!heapDir) return;
  mkdirSync(heapDir, { recursive: true });
  writeHeapSnapshot(join(heapDir, `${name}-${phase}.heapsnapshot`));
}
