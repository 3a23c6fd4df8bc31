import { ConfigError } from '../common/errors.js';
import { type Logger, silentLogger } from '../common/logger.js';
import { TerminalError } from './errors.js';
import type { RateLimitingWorkQueue } from './rate-limiting-queue.js';

/** Processes one item. The signal aborts when the workers are being stopped. */
export type WorkHandler<T> = (item: T, signal: AbortSignal) => void | Promise<void>;

/** Options of {@link runWorkers}. */
export interface RunWorkersOptions<T> {
  /** Told about every handler failure; `requeued` says whether the item was re-queued. */
  onError?: (error: unknown, item: T, requeued: boolean) => void;
  /** Receives handler failures (warn) and failures of `onError` itself (error). Silent by default. */
  logger?: Logger;
}

/**
 * Runs `workers` concurrent async workers that take items from `queue` and pass them to `handler`,
 * the standard controller loop:
 * - success → `forget(item)` (its backoff resets);
 * - failure → `addRateLimited(item)` (retried after the limiter's delay), unless the error is a
 *   {@link TerminalError}, which forgets the item instead;
 * - always → `done(item)`, so the queue's guarantee holds: no item is in two handlers at once.
 * Handler errors (sync throws or rejections) are contained and reported; a worker never dies.
 *
 * Stopping: when `signal` aborts, workers take no new items, handlers still running get the
 * aborted signal and are awaited, failures caused by the stop are not re-queued, and then the
 * queue is shut down (cancelling its delay timer). The returned promise resolves after that, and
 * never rejects. If the queue is shut down by someone else, workers process what is left in it and
 * the promise resolves when they have finished.
 */
export async function runWorkers<T>(
  queue: RateLimitingWorkQueue<T>,
  workers: number,
  handler: WorkHandler<T>,
  signal: AbortSignal,
  options: RunWorkersOptions<T> = {},
): Promise<void> {
  if (!Number.isInteger(workers) || workers < 1) {
    throw new ConfigError(`runWorkers needs a positive integer number of workers, got ${workers}.`);
  }
  const logger = options.logger ?? silentLogger;
  const report = (error: unknown, item: T, requeued: boolean): void => {
    logger.warn('workqueue: handler failed', { err: error, item, requeued });
    if (options.onError === undefined) return;
    try {
      options.onError(error, item, requeued);
    } catch (err) {
      logger.error('workqueue: onError threw', { err });
    }
  };

  const worker = async (): Promise<void> => {
    while (!signal.aborted) {
      let next: Awaited<ReturnType<typeof queue.get>>;
      try {
        next = await queue.get(signal);
      } catch {
        return; // aborted while idle
      }
      if (next.shutdown) return;
      const item = next.item;
      try {
        await handler(item, signal);
        queue.forget(item);
      } catch (error) {
        if (signal.aborted) {
          logger.debug('workqueue: handler failed while stopping; not re-queued', { err: error, item });
        } else if (error instanceof TerminalError) {
          queue.forget(item);
          report(error, item, false);
        } else {
          queue.addRateLimited(item);
          report(error, item, true);
        }
      } finally {
        queue.done(item);
      }
    }
  };

  const running: Promise<void>[] = [];
  for (let i = 0; i < workers; i++) running.push(worker());
  await Promise.all(running);
  if (signal.aborted) queue.shutDown();
}
