import { spawn } from 'node:child_process';
import type { Clock } from '../../common/clock.js';

/** How a plugin run went wrong, before it is turned into a user-facing message. */
export type ExecRunFailure =
  | { kind: 'not-found' }
  | { kind: 'not-executable' }
  | { kind: 'spawn'; code: string }
  | { kind: 'exit'; exitCode: number; stderr: string }
  | { kind: 'signal'; signal: string; stderr: string }
  | { kind: 'timeout'; timeoutMs: number; stderr: string }
  | { kind: 'too-much-output'; limit: number };

/** Thrown by {@link runExecProcess}; `failure` says what happened. */
export class ExecRunError extends Error {
  constructor(readonly failure: ExecRunFailure) {
    super(`exec plugin run failed: ${failure.kind}`);
    this.name = 'ExecRunError';
  }
}

/** Inputs of one plugin run. */
export interface ExecRunOptions {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  clock: Clock;
  timeoutMs: number;
  /** Standard output beyond this many bytes kills the plugin (an ExecCredential is a few KiB). */
  maxStdoutBytes?: number;
}

const DEFAULT_MAX_STDOUT = 1024 * 1024;
const STDERR_KEEP = 16 * 1024;

/**
 * Runs a credential plugin without a terminal (standard input is closed) and collects its standard
 * output, keeping the tail of standard error for error messages.
 *
 * Guarantees: the plugin runs in its own process group, and on timeout or excess output the whole
 * group is killed (a shell script's children too), so nothing outlives the call; the returned
 * promise always settles, at the latest when `timeoutMs` passes on `clock`.
 *
 * @throws ExecRunError describing the failure; never includes standard output, which would hold the credential.
 */
export function runExecProcess(options: ExecRunOptions): Promise<{ stdout: Buffer; stderr: string }> {
  const maxStdout = options.maxStdoutBytes ?? DEFAULT_MAX_STDOUT;
  return new Promise((resolve, reject) => {
    let settled = false;
    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';

    const child = spawn(options.command, [...options.args], {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // A new process group so that a timeout can kill everything the plugin started.
      detached: true,
      windowsHide: true,
    });

    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone, or not a group leader on this platform: fall back to the child itself.
        child.kill('SIGKILL');
      }
    };

    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      timer.cancel();
      outcome();
    };

    const timer = options.clock.setTimeout(() => {
      finish(() => {
        killGroup();
        reject(new ExecRunError({ kind: 'timeout', timeoutMs: options.timeoutMs, stderr }));
      });
    }, options.timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxStdout) {
        finish(() => {
          killGroup();
          reject(new ExecRunError({ kind: 'too-much-output', limit: maxStdout }));
        });
        return;
      }
      stdoutChunks.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
    });

    child.on('error', (err: NodeJS.ErrnoException) => {
      finish(() => {
        if (err.code === 'ENOENT') reject(new ExecRunError({ kind: 'not-found' }));
        else if (err.code === 'EACCES') reject(new ExecRunError({ kind: 'not-executable' }));
        else reject(new ExecRunError({ kind: 'spawn', code: err.code ?? 'unknown error' }));
      });
    });

    child.on('close', (code, signal) => {
      finish(() => {
        if (code === 0) resolve({ stdout: Buffer.concat(stdoutChunks), stderr });
        else if (code !== null) reject(new ExecRunError({ kind: 'exit', exitCode: code, stderr }));
        else reject(new ExecRunError({ kind: 'signal', signal: signal ?? 'unknown', stderr }));
      });
    });
  });
}
