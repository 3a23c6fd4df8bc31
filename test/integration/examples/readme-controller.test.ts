import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigMaps, type KubeClient } from '../../../src/client/index.js';
import { clientAs } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';

const execFileAsync = promisify(execFile);

/** The README's "Your first controller" snippet, with `kubekit` imports pointed at this checkout. */
function readmeController(): string {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Your first controller'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error('README has no ts block under "Your first controller"');
  const src = resolve('src');
  return match[1]
    .replace("from 'kubekit/controller'", `from '${src}/controller/index.js'`)
    .replace("from 'kubekit'", `from '${src}/index.js'`);
}

describe("the README's first controller", () => {
  const ns = useTestNamespace('readme');
  let kube: KubeClient;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    kube = await clientAs('admin');
    dir = mkdtempSync(join(tmpdir(), 'kubekit-readme-'));
    file = join(dir, 'controller.mts');
    writeFileSync(file, readmeController());
  });
  afterAll(async () => {
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('type-checks under strict settings', async () => {
    await execFileAsync(
      'npx',
      [
        '--no-install',
        'tsc',
        '--noEmit',
        '--strict',
        '--target',
        'es2023',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--skipLibCheck',
        '--types',
        'node',
        file,
      ],
      { cwd: process.cwd() },
    );
  });

  /**
   * KUBECONFIG for the snippet, which loads the current context: the local plane's kubeconfig
   * (admin's context is current). An existing cluster's (KUBEKIT_TEST_KUBECONFIG) may have another
   * current context than the one under test, so a file naming that one as current comes first;
   * the first file to set current-context wins, and the rest still comes from the original.
   */
  function kubeconfigEnv(): string {
    const info = inject('kubeLocal');
    if (!info.external) return info.kubeconfigPath;
    const current = join(dir, 'current-context.yaml');
    writeFileSync(
      current,
      JSON.stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': info.users.admin.context }),
    );
    return [current, info.kubeconfigPath].join(delimiter);
  }

  it('runs: annotates ConfigMaps, then shuts down cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      env: { ...process.env, KUBECONFIG: kubeconfigEnv(), NAMESPACE: ns() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const cms = kube.resource(ConfigMaps).namespace(ns());
      await cms.create({ metadata: { name: 'hello' } });
      let annotated = false;
      for (let i = 0; i < 150 && !annotated; i++) {
        annotated = (await cms.get('hello')).metadata?.annotations?.['example.kubekit.dev/seen'] === 'true';
        if (!annotated) await new Promise((r) => setTimeout(r, 100));
      }
      expect(annotated, stderr).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
