import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KubeClient, Namespaces } from '../../src/client/index.js';
import { skipUnlessAvailable } from './support/kube.js';

const tsx = 'node_modules/.bin/tsx';

/** Runs `npm run kube-local:start`'s script; resolves each stdout line as it comes. */
function startScript(args: string[] = []) {
  const child = spawn(tsx, ['scripts/kube-local.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const line = async (pattern: RegExp, timeoutMs = 90_000): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = stdout.match(pattern);
      if (match) return match;
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`no line matching ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { child, exited, line, output: () => ({ stdout, stderr }) };
}

describe('npm run kube-local:start', () => {
  it('prints a KUBECONFIG that works, runs until SIGINT, then stops and removes its data', async (ctx) => {
    // The script starts a plane from the tools/kube-local binaries, which a run against an
    // existing cluster (KUBEKIT_TEST_KUBECONFIG) never built: it would build them all here.
    skipUnlessAvailable(ctx, ['binaries']);
    const run = startScript();
    const [, kubeconfig] = await run.line(/^export KUBECONFIG=(.+)$/m);
    expect(existsSync(kubeconfig!)).toBe(true);
    const kube = await KubeClient.load({ connection: { kubeconfig: kubeconfig! } });
    const defaultNs = await kube.resource(Namespaces).get('default');
    expect(defaultNs.metadata?.name).toBe('default');
    await kube.close();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.output().stdout).toContain('kube-local: stopping');
    expect(existsSync(dirname(kubeconfig!))).toBe(false);
  });

  it('rejects a bad flag with a message and the usage', async () => {
    const run = startScript(['--port', 'eighty']);
    expect(await run.exited).toBe(2);
    expect(run.output().stderr).toContain("--port must be a port number from 1 to 65535, not 'eighty'");
    expect(run.output().stderr).toContain('usage: npm run kube-local:start');
    const unknown = startScript(['--nodes', '3']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.output().stderr).toContain("Unknown option '--nodes'");
  });
});
