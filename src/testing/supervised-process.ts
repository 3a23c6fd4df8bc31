import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** How to start one control-plane process. */
export interface ProcessSpec {
  /** Short name used in messages ("etcd", "kube-apiserver"). */
  name: string;
  command: string;
  args: string[];
  /** stdout and stderr of the process are appended here. */
  logFile: string;
  /** Folder the supervisor removes after the process has exited (even if the launcher was killed). */
  removeAfterExit?: string;
}

/**
 * One control-plane process run under `kube-local-helper supervise`, which kills it when this
 * Node process goes away for any reason (its stdin pipe closes) — so a crashed or SIGKILLed
 * test run leaves no etcd or kube-apiserver behind.
 */
export class SupervisedProcess {
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private exitCode: number | null | undefined;

  constructor(
    helper: string,
    readonly spec: ProcessSpec,
  ) {
    const log = openSync(spec.logFile, 'a');
    const args = ['supervise'];
    if (spec.removeAfterExit) args.push('--remove-after-exit', spec.removeAfterExit);
    args.push('--', spec.command, ...spec.args);
    try {
      this.child = spawn(helper, args, { stdio: ['pipe', log, log], detached: false });
    } finally {
      closeSync(log);
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? null : -1);
        resolve(this.exitCode);
      });
      this.child.once('error', () => {
        this.exitCode = -1;
        resolve(-1);
      });
    });
    // Neither the process nor its pipe may keep the launcher's event loop alive; the pipe's
    // only job is to close when we die.
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }

  /** True while the process has not exited. */
  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The last `lines` lines of the process's log, for error messages. */
  logTail(lines = 30): string {
    try {
      return readFileSync(this.spec.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Stops the process (SIGTERM, then SIGKILL after the supervisor's grace period) and waits. */
  async stop(): Promise<void> {
    if (!this.running) return;
    // Someone is awaiting the exit now, so the child must hold the event loop open until then.
    this.child.ref();
    this.child.kill('SIGTERM');
    await this.exited;
  }
}
