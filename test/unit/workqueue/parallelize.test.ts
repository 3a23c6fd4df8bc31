import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/common/errors.js';
import { parallelize } from '../../../src/workqueue/parallelize.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('parallelize', () => {
  it('runs every piece exactly once', async () => {
    const seen: number[] = [];
    await parallelize(100, 7, async (p) => {
      await Promise.resolve();
      seen.push(p);
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('runs a synchronous fn without awaiting each piece', async () => {
    const seen: number[] = [];
    await parallelize(5, 2, (p) => void seen.push(p));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps at most `workers` pieces in flight, and that many while work remains', async () => {
    let inFlight = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const done = parallelize(20, 4, async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise<void>((resolve) => releases.push(resolve));
      inFlight--;
    });
    await flush();
    expect(inFlight).toBe(4);
    while (releases.length > 0) {
      for (const release of releases.splice(0)) release();
      await flush();
    }
    await done;
    expect(peak).toBe(4);
  });

  it('hands out contiguous chunks', async () => {
    const byWorkerStart: number[][] = [];
    let current: number[] = [];
    await parallelize(
      10,
      1,
      (p) => {
        if (p % 4 === 0) {
          current = [];
          byWorkerStart.push(current);
        }
        current.push(p);
      },
      undefined,
      { chunkSize: 4 },
    );
    expect(byWorkerStart).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
  });

  it('does nothing for zero pieces', async () => {
    let calls = 0;
    await parallelize(0, 3, () => void calls++);
    expect(calls).toBe(0);
  });

  it('stops starting pieces after a failure and rejects with the first error once in-flight pieces settle', async () => {
    const started: number[] = [];
    let settled = 0;
    const result = parallelize(50, 3, async (p) => {
      started.push(p);
      await flush();
      settled++;
      if (p === 0) throw new Error('piece 0 failed');
      if (p === 2) throw new Error('piece 2 failed');
    });
    await expect(result).rejects.toThrow('piece 0 failed');
    expect(started).toEqual([0, 1, 2]);
    expect(settled).toBe(3);
  });

  it('stops starting pieces on abort and rejects with the reason after in-flight pieces settle', async () => {
    const ac = new AbortController();
    const started: number[] = [];
    let settled = 0;
    const result = parallelize(
      50,
      2,
      async (p) => {
        started.push(p);
        if (p === 1) ac.abort(new Error('stop'));
        await flush();
        settled++;
      },
      ac.signal,
    );
    await expect(result).rejects.toThrow('stop');
    expect(started).toEqual([0, 1]);
    expect(settled).toBe(2);
  });

  it('resolves if the signal aborts only after the last piece', async () => {
    const ac = new AbortController();
    await parallelize(
      3,
      1,
      (p) => {
        if (p === 2) ac.abort();
      },
      ac.signal,
    );
  });

  it('rejects invalid arguments with a ConfigError', async () => {
    await expect(parallelize(-1, 1, () => {})).rejects.toThrow(ConfigError);
    await expect(parallelize(1, 0, () => {})).rejects.toThrow(ConfigError);
    await expect(parallelize(1, 1, () => {}, undefined, { chunkSize: 0 })).rejects.toThrow(ConfigError);
  });
});
