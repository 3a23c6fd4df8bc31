// Leader election candidates as child processes of two kinds, kubekit (./kubekit-candidate.ts)
// and client-go (./go), speaking one line protocol; shared by the interop test and
// bench/leaderelection.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
/** The Go module of the client-go candidate. */
export const goCandidateDir = join(here, 'go');
const kubekitScript = join(here, 'kubekit-candidate.ts');

/** This machine's monotonic clock in ms, as both kinds of candidate stamp their events. */
export const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

/** The OS's per-user cache folder (Go's os.UserCacheDir). */
export function userCacheDir(): string {
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches');
  if (process.platform === 'win32') return process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local');
  return process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
}

/** Where {@link buildGoCandidate} put the binary, and what it cost. */
export interface GoCandidateBuild {
  path: string;
  /** False when the cached binary for these sources was reused. */
  built: boolean;
  ms: number;
}

/**
 * Builds the client-go candidate, or reuses the binary cached under
 * `<user cache>/kubekit/le-interop/<hash>/` where the hash covers go.sum, go.mod and main.go
 * (so a dependency or source change rebuilds, and repeated runs start at once).
 */
export async function buildGoCandidate(): Promise<GoCandidateBuild> {
  const started = performance.now();
  const hash = createHash('sha256');
  for (const file of ['go.sum', 'go.mod', 'main.go']) hash.update(readFileSync(join(goCandidateDir, file)));
  const dir = join(userCacheDir(), 'kubekit', 'le-interop', hash.digest('hex').slice(0, 16));
  const path = join(dir, 'candidate');
  if (existsSync(path)) return { path, built: false, ms: performance.now() - started };
  mkdirSync(dir, { recursive: true });
  const partial = `${path}.${process.pid}.tmp`;
  await new Promise<void>((resolve, reject) => {
    // The flags tools/kube-local builds with, so client-go's packages come from Go's build cache
    // when the control plane was built on this machine.
    const child = spawn('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', partial, '.'], {
      cwd: goCandidateDir,
      env: { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=mod`.trim(), CGO_ENABLED: '0' },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', (err) =>
      reject(new Error(`cannot run go (is Go ≥ 1.26 on PATH?): ${(err as Error).message}`)),
    );
    child.once('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`go build in ${goCandidateDir} failed (exit ${code}):\n${stderr}`)),
    );
  });
  // Atomic, so a concurrent build or an interrupted one never leaves a half-written binary.
  renameSync(partial, path);
  return { path, built: true, ms: performance.now() - started };
}

export type CandidateKind = 'kubekit' | 'client-go';

/** What a candidate process needs; durations as Go duration strings (`3s`, `500ms`). */
export interface CandidateOptions {
  kind: CandidateKind;
  identity: string;
  kubeconfig: string;
  context?: string;
  namespace: string;
  name: string;
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
  releaseOnCancel?: boolean;
  /** Path of the client-go candidate binary (for kind `client-go`). */
  goBinary?: string;
}

/** One line a candidate printed; `t` is this machine's monotonic clock in ms. */
export interface CandidateEvent {
  ev: 'ready' | 'started' | 'lost' | 'stopped' | 'new-leader' | 'exit';
  t: number;
  id?: string;
  reason?: string;
  code?: number;
}

/** One leading interval of one candidate on the shared monotonic clock. */
export interface LeadingInterval {
  who: string;
  kind: CandidateKind;
  start: number;
  /** `lost` (or `stopped`), or for a killed process the moment its exit was seen; open while leading. */
  end?: number;
  how?: string;
}

/** A candidate running as a child process, and everything it reported. */
export class CandidateProcess {
  readonly events: CandidateEvent[] = [];
  readonly intervals: LeadingInterval[] = [];
  stderr = '';
  exitCode: number | null | undefined;
  exitSignal: NodeJS.Signals | null | undefined;
  readonly exited: Promise<void>;
  readonly #child: ChildProcess;
  readonly #waiters = new Set<() => void>();

  constructor(readonly options: CandidateOptions) {
    const args = [
      `--kubeconfig=${options.kubeconfig}`,
      ...(options.context ? [`--context=${options.context}`] : []),
      `--namespace=${options.namespace}`,
      `--name=${options.name}`,
      `--identity=${options.identity}`,
      `--lease-duration=${options.leaseDuration}`,
      `--renew-deadline=${options.renewDeadline}`,
      `--retry-period=${options.retryPeriod}`,
      `--release-on-cancel=${options.releaseOnCancel ?? true}`,
    ];
    if (options.kind === 'client-go') {
      if (!options.goBinary) throw new Error('a client-go candidate needs goBinary (see buildGoCandidate)');
      this.#child = spawn(options.goBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } else {
      this.#child = spawn(process.execPath, ['--import', 'tsx', kubekitScript, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    }
    createInterface({ input: this.#child.stdout! }).on('line', (line) => this.#onLine(line));
    this.#child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
      // Keep the tail only: a long run of a chatty process must not grow without bound.
      if (this.stderr.length > 200_000) this.stderr = this.stderr.slice(-100_000);
    });
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        // A process that dies while leading stops leading no later than now.
        const open = this.openInterval();
        if (open) {
          open.end = monotonicMs();
          open.how = `process exited (${signal ?? code})`;
        }
        this.#notify();
        resolve();
      });
    });
  }

  get id(): string {
    return this.options.identity;
  }

  get kind(): CandidateKind {
    return this.options.kind;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  /** The interval in progress, if this candidate leads now. */
  openInterval(): LeadingInterval | undefined {
    const last = this.intervals.at(-1);
    return last && last.end === undefined ? last : undefined;
  }

  get leading(): boolean {
    return this.openInterval() !== undefined;
  }

  /** Identities this candidate reported through onNewLeader / OnNewLeader, in order. */
  newLeaders(): string[] {
    return this.events.filter((e) => e.ev === 'new-leader').map((e) => e.id ?? '');
  }

  /** The leader this candidate last reported (client-go also reports `''` after a release). */
  lastReportedLeader(): string | undefined {
    return this.newLeaders().at(-1);
  }

  /** Resolves when `check()` holds (re-checked on every event), rejects after `timeoutMs`. */
  waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; ${this.id} (${this.kind}) reported ` +
              `${JSON.stringify(this.events.slice(-12))}; stderr tail: ${this.stderr.slice(-2000)}`,
          ),
        );
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

  /** Resolves once the process has built its client and stands for election. */
  ready(timeoutMs = 30_000): Promise<void> {
    return this.waitUntil(
      'ready',
      () => this.events.some((e) => e.ev === 'ready') || !this.alive,
      timeoutMs,
    ).then(() => {
      if (!this.events.some((e) => e.ev === 'ready')) {
        throw new Error(
          `${this.id} exited (${this.exitCode}) before it was ready: ${this.stderr.slice(-2000)}`,
        );
      }
    });
  }

  /** Called (with the event) for every event line, after it was recorded. */
  onEvent?: (event: CandidateEvent, candidate: CandidateProcess) => void;

  /** SIGKILL; resolves with the monotonic time just before the signal was sent, once it exited. */
  async kill9(): Promise<number> {
    const at = monotonicMs();
    this.#child.kill('SIGKILL');
    await this.exited;
    return at;
  }

  /** SIGTERM (graceful: releases the lock); resolves with the time just before the signal, once it exited. */
  async terminate(timeoutMs = 15_000): Promise<number> {
    const at = monotonicMs();
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
    return at;
  }

  /** SIGKILL unless already exited; for cleanup. */
  async destroy(): Promise<void> {
    if (this.alive) this.#child.kill('SIGKILL');
    await this.exited;
  }

  #onLine(line: string): void {
    let event: CandidateEvent;
    try {
      event = JSON.parse(line) as CandidateEvent;
    } catch {
      this.stderr += `[stdout, not an event] ${line}\n`;
      return;
    }
    this.events.push(event);
    if (event.ev === 'started') {
      this.intervals.push({ who: this.id, kind: this.kind, start: event.t });
    } else if (event.ev === 'lost' || event.ev === 'stopped') {
      const open = this.openInterval();
      if (open) {
        open.end = event.t;
        open.how = event.ev === 'lost' ? `lost${event.reason ? `: ${event.reason}` : ''}` : 'stopped';
      }
    }
    this.onEvent?.(event, this);
    this.#notify();
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/**
 * Throws when two intervals of different candidates overlap, naming both. Open intervals count
 * as lasting until now.
 */
export function assertNoOverlap(intervals: readonly LeadingInterval[]): void {
  const now = monotonicMs();
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    for (let j = i + 1; j < sorted.length; j++) {
      const b = sorted[j]!;
      if (b.start >= (a.end ?? now)) break;
      if (a.who !== b.who) {
        throw new Error(
          `split brain: ${a.who} (${a.kind}) led ${fmt(a, now)} and ${b.who} (${b.kind}) led ${fmt(b, now)}`,
        );
      }
    }
  }
}

function fmt(i: LeadingInterval, now: number): string {
  return `[${i.start.toFixed(1)}, ${(i.end ?? now).toFixed(1)}] ms (${i.how ?? 'still leading'})`;
}

/** Candidates of both kinds standing for one lock, and the questions tests ask about them. */
export class CandidatePool {
  readonly all: CandidateProcess[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(readonly base: Omit<CandidateOptions, 'kind' | 'identity'>) {}

  /**
   * Starts a candidate of `kind` (its process; await `ready()` on it when that matters);
   * `overrides` change its options (e.g. its own kubeconfig).
   */
  add(kind: CandidateKind, identity: string, overrides: Partial<CandidateOptions> = {}): CandidateProcess {
    const candidate = new CandidateProcess({ ...this.base, ...overrides, kind, identity });
    candidate.onEvent = () => this.#notify();
    void candidate.exited.then(() => this.#notify());
    this.all.push(candidate);
    return candidate;
  }

  live(): CandidateProcess[] {
    return this.all.filter((c) => c.alive);
  }

  /** Candidates that lead now, by their own report. */
  leaders(): CandidateProcess[] {
    return this.all.filter((c) => c.leading);
  }

  intervals(): LeadingInterval[] {
    return this.all.flatMap((c) => c.intervals);
  }

  /** Resolves when `check()` holds (re-checked on every event of any candidate), rejects after `timeoutMs`. */
  waitUntil<T>(what: string, check: () => T | undefined, timeoutMs: number): Promise<T> {
    const first = check();
    if (first !== undefined) return Promise.resolve(first);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${this.describe()}`));
      }, timeoutMs);
      const waiter = () => {
        const value = check();
        if (value === undefined) return;
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve(value);
      };
      this.#waiters.add(waiter);
    });
  }

  /**
   * The first leading interval that starts at or after `since` (monotonic ms), of a candidate
   * other than `exclude`: who took over, and when by its own clock reading.
   */
  waitForLeaderSince(
    since: number,
    timeoutMs: number,
    exclude?: CandidateProcess,
  ): Promise<{ leader: CandidateProcess; startedAt: number }> {
    return this.waitUntil(
      `a new leader since ${since.toFixed(0)}${exclude ? ` other than ${exclude.id}` : ''}`,
      () => {
        let best: { leader: CandidateProcess; startedAt: number } | undefined;
        for (const c of this.all) {
          if (c === exclude) continue;
          const i = c.intervals.find((x) => x.start >= since);
          if (i && (!best || i.start < best.startedAt)) best = { leader: c, startedAt: i.start };
        }
        return best;
      },
      timeoutMs,
    );
  }

  /** Every live candidate's events so far, for failure messages. */
  describe(): string {
    return this.all
      .map(
        (c) =>
          `  ${c.id} (${c.kind}, ${c.alive ? 'alive' : `exited ${c.exitSignal ?? c.exitCode}`}): ` +
          `${c.events.map((e) => `${e.ev}${e.id !== undefined ? `(${e.id})` : ''}@${e.t.toFixed(0)}`).join(' ')}` +
          (c.alive ? '' : ` stderr tail: ${c.stderr.slice(-600)}`),
      )
      .join('\n');
  }

  /** SIGTERM to every live candidate (SIGKILL after `timeoutMs`), in parallel. */
  async stopAll(timeoutMs = 10_000): Promise<void> {
    await Promise.all(this.live().map((c) => c.terminate(timeoutMs)));
  }

  /** SIGKILL to every live candidate; for afterAll. */
  async destroyAll(): Promise<void> {
    await Promise.all(this.all.map((c) => c.destroy()));
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
