import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./helpers-shutdown-child.ts', import.meta.url));

interface ChildEvent {
  ev: 'ready' | 'aborted';
  aborted?: boolean;
  reason?: string;
  isError?: boolean;
}

/** The child program of helpers-shutdown-child.ts, with what it printed and how it ended. */
function startChild(mode: 'exit' | 'linger') {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script, mode], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  const events: ChildEvent[] = [];
  let stderr = '';
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    events.push(JSON.parse(line) as ChildEvent);
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const w of waiters) w();
    });
  });
  /** Resolves with the first event of that kind; rejects if the child exits before printing it. */
  const next = (ev: ChildEvent['ev']) =>
    new Promise<ChildEvent>((resolve, reject) => {
      const check = () => {
        const found = events.find((e) => e.ev === ev);
        if (found) {
          waiters.delete(check);
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          waiters.delete(check);
          reject(new Error(`child exited before "${ev}": ${stderr}`));
        }
      };
      waiters.add(check);
      check();
    });
  return { child, events, exited, next, stderr: () => stderr };
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('shutdownSignal', () => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`aborts on ${sig} with a reason naming it, instead of letting the signal kill the process`, async () => {
      const c = startChild('exit');
      expect(await c.next('ready')).toEqual({ ev: 'ready', aborted: false });
      c.child.kill(sig);
      expect(await c.next('aborted')).toEqual({ ev: 'aborted', reason: `received ${sig}`, isError: true });
      // The program ended on its own terms after the abort: not killed by the signal, exit code 0.
      expect(await c.exited).toEqual({ code: 0, signal: null });
      expect(c.events.filter((e) => e.ev === 'aborted')).toHaveLength(1);
      expect(c.stderr()).toBe('');
    });
  }

  it('exits at once with code 130 on a second signal while shutdown is still running', async () => {
    const c = startChild('linger');
    await c.next('ready');
    c.child.kill('SIGTERM');
    expect((await c.next('aborted')).reason).toBe('received SIGTERM');
    // Still running: the first signal only asked for a graceful shutdown.
    expect(c.child.exitCode).toBeNull();
    c.child.kill('SIGINT');
    expect(await c.exited).toEqual({ code: 130, signal: null });
    expect(c.events.filter((e) => e.ev === 'aborted')).toHaveLength(1);
  });
});
