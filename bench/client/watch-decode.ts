/**
 * Worker: decodes a stream of watch events recorded from the real apiserver (main.ts records
 * them into a file, one JSON event per line, byte for byte as the server sent them). The
 * recorded lines are repeated in order until there are `--events` of them; the concatenation is
 * cut into `--chunk`-byte Buffers, as a socket would deliver it.
 *
 * Variants, alternated inside every iteration so that machine noise hits them alike:
 * - `json-parse` (the floor): `JSON.parse` over the same lines, already split and decoded to
 *   strings before the clock starts.
 * - `split-parse` (diagnostic): the least a decoder of Buffer chunks must do — find newlines,
 *   join lines that span chunks, UTF-8-decode each line and `JSON.parse` it — synchronously.
 * - `kubekit`: `for await (const event of decodeWatchStream(chunks))`.
 *
 * node --expose-gc --import tsx bench/client/watch-decode.ts --recording=… [--events=100000]
 *   [--chunk=65536] [--warmup= --iterations= --memory-iterations=]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  emitResult,
  type IterationMemory,
  type IterationTiming,
  intArg,
  memoryOnce,
  stringArg,
  timeOnce,
} from './harness.js';

type WatchModule = typeof import('../../src/client/watch-event.js');

const srcDir = process.env.KUBEKIT_BENCH_SRC
  ? resolve(process.env.KUBEKIT_BENCH_SRC)
  : resolve(import.meta.dirname, '../../src');
const { decodeWatchStream } = (await import(
  pathToFileURL(`${srcDir}/client/watch-event.ts`).href
)) as WatchModule;

// KUBEKIT_BENCH_SRC_B (another src/, e.g. with a prototype change) adds a `kubekit-b` variant,
// alternated with the others in the same process: the fairest A/B under a noisy machine.
const decodeB = process.env.KUBEKIT_BENCH_SRC_B
  ? (
      (await import(
        pathToFileURL(`${resolve(process.env.KUBEKIT_BENCH_SRC_B)}/client/watch-event.ts`).href
      )) as WatchModule
    ).decodeWatchStream
  : undefined;

const recording = stringArg('recording');
if (!recording) throw new Error('--recording is required');
const eventCount = intArg('events', 100_000);
const chunkSize = intArg('chunk', 65_536);
const warmup = intArg('warmup', 2);
const iterations = intArg('iterations', 7);
const memoryIterations = intArg('memory-iterations', 2);

// Recorded lines, repeated in order up to eventCount.
const recorded: Buffer[] = [];
{
  const raw = readFileSync(recording);
  let start = 0;
  for (let nl = raw.indexOf(0x0a); nl !== -1; nl = raw.indexOf(0x0a, start)) {
    if (nl > start) recorded.push(raw.subarray(start, nl + 1));
    start = nl + 1;
  }
}
if (recorded.length === 0) throw new Error(`${recording} holds no events`);
const parts: Buffer[] = [];
for (let i = 0; i < eventCount; i++) parts.push(recorded[i % recorded.length]!);
const stream = Buffer.concat(parts);
const lines = parts.map((b) => b.toString('utf8', 0, b.length - 1));
const chunks: Buffer[] = [];
for (let off = 0; off < stream.length; off += chunkSize) chunks.push(stream.subarray(off, off + chunkSize));
parts.length = 0;

/** An async iterable over the chunks with as little overhead of its own as possible. */
function chunkSource(): AsyncIterable<Buffer> {
  return {
    [Symbol.asyncIterator]() {
      let i = 0;
      return {
        next: () =>
          Promise.resolve(
            i < chunks.length
              ? { value: chunks[i++]!, done: false as const }
              : { value: undefined, done: true as const },
          ),
      };
    },
  };
}

function check(count: number, checksum: number): void {
  if (count !== eventCount) throw new Error(`decoded ${count} events, expected ${eventCount}`);
  if (checksum === 0) throw new Error('unexpected checksum');
}

const variants: Record<string, () => Promise<unknown>> = {
  'json-parse': async () => {
    let checksum = 0;
    let count = 0;
    for (const line of lines) {
      const event = JSON.parse(line) as { type: string };
      checksum += event.type.length;
      count++;
    }
    check(count, checksum);
    return checksum;
  },
  'split-parse': async () => {
    let checksum = 0;
    let count = 0;
    let carry: Buffer | undefined;
    for (const chunk of chunks) {
      let start = 0;
      for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
        let text: string;
        if (carry) {
          text = Buffer.concat([carry, chunk.subarray(0, nl)]).toString('utf8');
          carry = undefined;
        } else {
          text = chunk.toString('utf8', start, nl);
        }
        const event = JSON.parse(text) as { type: string };
        checksum += event.type.length;
        count++;
        start = nl + 1;
      }
      if (start < chunk.length)
        carry = carry ? Buffer.concat([carry, chunk.subarray(start)]) : chunk.subarray(start);
    }
    check(count, checksum);
    return checksum;
  },
  kubekit: async () => {
    let checksum = 0;
    let count = 0;
    for await (const event of decodeWatchStream<unknown>(chunkSource(), {
      method: 'WATCH',
      path: '/bench',
    })) {
      checksum += event.type.length;
      count++;
    }
    check(count, checksum);
    return checksum;
  },
};
if (decodeB) {
  variants['kubekit-b'] = async () => {
    let checksum = 0;
    let count = 0;
    for await (const event of decodeB<unknown>(chunkSource(), { method: 'WATCH', path: '/bench' })) {
      checksum += event.type.length;
      count++;
    }
    check(count, checksum);
    return checksum;
  };
}
// --only=a,b runs just those variants (for --cpu-prof of one decoder).
const onlyArg = stringArg('only');
const names = Object.keys(variants).filter((n) => !onlyArg || onlyArg.split(',').includes(n));

for (let i = 0; i < warmup; i++) for (const name of names) await variants[name]!();
const timings: Record<string, IterationTiming[]> = Object.fromEntries(names.map((n) => [n, []]));
for (let i = 0; i < iterations; i++) {
  // Rotate the order so that no variant always runs right after another's garbage.
  for (let j = 0; j < names.length; j++) {
    const name = names[(i + j) % names.length]!;
    timings[name]!.push(await timeOnce(variants[name]!));
  }
}
const memory: Record<string, IterationMemory[]> = Object.fromEntries(names.map((n) => [n, []]));
for (let i = 0; i < memoryIterations; i++) {
  for (const name of names) memory[name]!.push(await memoryOnce(variants[name]!));
}

emitResult({
  timings: [],
  memory: [],
  extra: {
    src: srcDir,
    variants: Object.fromEntries(names.map((n) => [n, { timings: timings[n], memory: memory[n] }])),
    events: eventCount,
    recordedEvents: recorded.length,
    streamBytes: stream.length,
    chunkSize,
    chunks: chunks.length,
  },
});
