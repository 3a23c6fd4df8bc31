import { ConfigError } from '../common/errors.js';

/** Options of {@link parallelize}. */
export interface ParallelizeOptions {
  /**
   * Pieces handed to a worker at a time (default 1). Larger chunks cut scheduling overhead when
   * there are many cheap pieces.
   */
  chunkSize?: number;
}

/**
 * Calls `fn(piece)` for every piece in `[0, pieces)`, at most `workers` at a time (client-go's
 * `ParallelizeUntil`). Resolves when every piece has finished.
 *
 * - If a call throws or rejects, no further pieces start; once the running ones settle, the
 *   promise rejects with the first error.
 * - If `signal` aborts, no further pieces start; once the running ones settle, the promise rejects
 *   with the signal's reason (unless every piece had already finished).
 *
 * Concurrency only overlaps asynchronous work; a synchronous `fn` runs piece after piece.
 */
export async function parallelize(
  pieces: number,
  workers: number,
  fn: (piece: number) => void | Promise<void>,
  signal?: AbortSignal,
  options: ParallelizeOptions = {},
): Promise<void> {
  if (!Number.isInteger(pieces) || pieces < 0) {
    throw new ConfigError(`parallelize needs a non-negative integer number of pieces, got ${pieces}.`);
  }
  if (!Number.isInteger(workers) || workers < 1) {
    throw new ConfigError(`parallelize needs a positive integer number of workers, got ${workers}.`);
  }
  const chunkSize = options.chunkSize ?? 1;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new ConfigError(`parallelize needs a positive integer chunkSize, got ${chunkSize}.`);
  }
  if (pieces === 0) return;
  if (signal?.aborted) throw signal.reason;

  const chunks = Math.ceil(pieces / chunkSize);
  let nextChunk = 0;
  let completed = 0;
  let failed = false;
  let firstError: unknown;

  const worker = async (): Promise<void> => {
    while (!failed && nextChunk < chunks) {
      const start = nextChunk++ * chunkSize;
      const end = Math.min(start + chunkSize, pieces);
      for (let piece = start; piece < end; piece++) {
        if (failed || signal?.aborted) return;
        try {
          const result = fn(piece);
          // Await only real promises: a synchronous fn should not pay a microtask per piece.
          if (result !== undefined) await result;
          completed++;
        } catch (error) {
          if (!failed) {
            failed = true;
            firstError = error;
          }
          return;
        }
      }
    }
  };

  const running: Promise<void>[] = [];
  for (let i = 0; i < Math.min(workers, chunks); i++) running.push(worker());
  await Promise.all(running);
  if (failed) throw firstError;
  if (completed < pieces && signal?.aborted) throw signal.reason;
}
