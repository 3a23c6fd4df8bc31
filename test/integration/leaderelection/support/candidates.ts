import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CandidateSpec } from './candidate-process.js';

/** This machine's monotonic clock in ms: the same clock the candidate processes stamp with. */
export const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

/** One leading interval of one candidate process on the shared monotonic clock. */
export interface ProcessInterval {
  who: string;
  start: number;
  /** When the leading signal aborted, or (for a killed process) when its exit was seen. */
  end?: number;
  reason?: string;
}

interface CandidateEvent {
  ev: 'ready' | 'start' | 'end' | 'leader' | 'fatal';
  t?: number;
  id?: string;
  reason?: string;
  message?: string;
}

/** A candidate running as a child process (see candidate-process.ts), and what it reported. */
export class CandidateProcess {
  readonly events: CandidateEvent[] = [];
  readonly intervals: ProcessInterval[] = [];
  stderr = '';
  exitCode: number | null | undefined;
  readonly exited: Promise<void>;
  readonly #child: ChildProcess;
  readonly #waiters = new Set<() => void>();

  /** Starts `script` (the bundle from `bundleCandidate()`) with `spec`, on this process's Node. */
  constructor(
    script: string,
    readonly spec: CandidateSpec,
  ) {
    this.#child = spawn(process.execPath, [script, JSON.stringify(spec)], {
      // stdin stays open for the child's lifetime: it exits when it sees EOF (we died).
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => this.#onLine(line));
    this.#child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code) => {
        this.exitCode = code;
        // A process that dies while leading stops leading no later than now.
        const open = this.openInterval();
        if (open) {
          open.end = monotonicMs();
          open.reason = 'process exited';
        }
        this.#notify();
        resolve();
      });
    });
  }

  get id(): string {
    return this.spec.identity;
  }

  /** The interval in progress, if this candidate leads now. */
  openInterval(): ProcessInterval | undefined {
    const last = this.intervals.at(-1);
    return last && last.end === undefined ? last : undefined;
  }

  get leading(): boolean {
    return this.openInterval() !== undefined;
  }

  /** Resolves when `check()` holds (re-checked on every event), rejects after `timeoutMs`. */
  waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`${this.id}: timed out after ${timeoutMs} ms waiting for ${what}\n${this.stderr}`));
      }, timeoutMs);
      const waiter = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve();
      };
      this.#waiters.add(waiter);
    });
  }

  ready(timeoutMs = 30_000): Promise<void> {
    return this.waitUntil('ready', () => this.events.some((e) => e.ev === 'ready'), timeoutMs);
  }

  /** SIGKILL; resolves once the process is gone, with the monotonic time the signal was sent. */
  async kill9(): Promise<number> {
    const at = monotonicMs();
    this.#child.kill('SIGKILL');
    await this.exited;
    return at;
  }

  /** SIGTERM (graceful stop); resolves once the process exited, with the time the signal was sent. */
  async terminate(): Promise<number> {
    const at = monotonicMs();
    if (this.exitCode === undefined) this.#child.kill('SIGTERM');
    await this.exited;
    return at;
  }

  /** Adds a listener for every event (used by {@link Election}). */
  onEvent(listener: () => void): void {
    this.#waiters.add(listener);
  }

  #onLine(line: string): void {
    let event: CandidateEvent;
    try {
      event = JSON.parse(line) as CandidateEvent;
    } catch {
      this.stderr += `[stdout] ${line}\n`;
      return;
    }
    this.events.push(event);
    if (event.ev === 'start') this.intervals.push({ who: this.id, start: event.t! });
    if (event.ev === 'end') {
      const open = this.openInterval();
      if (open) {
        open.end = event.t!;
        open.reason = event.reason;
      }
    }
    this.#notify();
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** A group of candidate processes on one lock, with the checks the tests make across them. */
export class Election {
  readonly candidates: CandidateProcess[] = [];
  readonly #listeners = new Set<() => void>();

  constructor(
    readonly script: string,
    readonly base: Omit<CandidateSpec, 'identity'>,
  ) {}

  /** Starts a candidate with `identity` (and spec overrides). */
  add(identity: string, overrides: Partial<CandidateSpec> = {}): CandidateProcess {
    const c = new CandidateProcess(this.script, { ...this.base, ...overrides, identity });
    c.onEvent(() => {
      for (const l of [...this.#listeners]) l();
    });
    this.candidates.push(c);
    return c;
  }

  /** Candidates that lead right now (by their reports). */
  leaders(): CandidateProcess[] {
    return this.candidates.filter((c) => c.leading);
  }

  /**
   * Waits until some candidate other than `except` leads (with an interval that started after
   * `startedAfter`, when given); resolves with it and the monotonic time its interval started.
   */
  waitForLeader(
    timeoutMs: number,
    except?: CandidateProcess,
    startedAfter = Number.NEGATIVE_INFINITY,
  ): Promise<{ leader: CandidateProcess; startedAt: number }> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const leader = this.candidates.find(
          (c) => c !== except && c.leading && c.openInterval()!.start > startedAfter,
        );
        if (!leader) return false;
        this.#listeners.delete(check);
        clearTimeout(timer);
        resolve({ leader, startedAt: leader.openInterval()!.start });
        return true;
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`no new leader within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!check()) this.#listeners.add(check);
    });
  }

  /** Every candidate's stderr (warnings and errors of its elector), for failure messages. */
  logs(): string {
    return this.candidates.map((c) => `--- ${c.id} (exit ${c.exitCode})\n${c.stderr}`).join('\n');
  }

  /**
   * Runs `body`; if it throws, the error message gets every candidate's log appended, so a
   * failure explains itself.
   */
  async explain<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      if (err instanceof Error) err.message += `\n${this.logs()}`;
      throw err;
    }
  }

  /** Waits until exactly one candidate leads (it may take a moment after a change). */
  waitForOneLeader(timeoutMs: number): Promise<CandidateProcess> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const leaders = this.leaders();
        if (leaders.length !== 1) return false;
        this.#listeners.delete(check);
        clearTimeout(timer);
        resolve(leaders[0]!);
        return true;
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(
          new Error(`not exactly one leader within ${timeoutMs} ms: ${this.leaders().map((c) => c.id)}`),
        );
      }, timeoutMs);
      if (!check()) this.#listeners.add(check);
    });
  }

  intervals(): ProcessInterval[] {
    return this.candidates.flatMap((c) => c.intervals);
  }

  /** SIGTERMs every candidate still running and waits for them; SIGKILLs stragglers after 10 s. */
  async stopAll(): Promise<void> {
    await Promise.all(
      this.candidates.map(async (c) => {
        const killer = setTimeout(() => void c.kill9(), 10_000);
        await c.terminate();
        clearTimeout(killer);
      }),
    );
  }
}

/**
 * Throws when intervals of two different candidates overlap: the split-brain check. An interval
 * still open counts as lasting forever.
 */
export function assertNoOverlap(intervals: ProcessInterval[]): void {
  for (const a of intervals) {
    for (const b of intervals) {
      if (a === b || a.who === b.who) continue;
      const aEnd = a.end ?? Number.POSITIVE_INFINITY;
      if (b.start >= a.start && b.start < aEnd) {
        throw new Error(
          `split brain: ${a.who} led [${a.start.toFixed(1)}, ${a.end?.toFixed(1)}] (${a.reason}) ` +
            `and ${b.who} started at ${b.start.toFixed(1)}`,
        );
      }
    }
  }
}
