import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { ConfigError } from '../../src/common/errors.js';
import { LocalControlPlane } from '../../src/testing/index.js';
import { type LocalOnlyNeed, missingForTest, skipUnlessAvailable } from './support/kube.js';

const execFileAsync = promisify(execFile);

/** Processes whose command line mentions `text`, other than pgrep itself. */
async function processesMentioning(text: string): Promise<string[]> {
  try {
    const { stdout } = await execFileAsync('pgrep', ['-f', text]);
    return stdout.trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function kubectl(plane: LocalControlPlane, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(plane.binary('kubectl'), [
    '--kubeconfig',
    plane.kubeconfigPath,
    ...args,
  ]);
  return stdout;
}

// Every test starts planes from the tools/kube-local binaries: against an existing cluster
// (KUBEKIT_TEST_KUBECONFIG) there are none, so nothing is started and every test skips, saying why.
const NEEDS: LocalOnlyNeed[] = ['binaries'];

describe('LocalControlPlane', () => {
  const { binDir } = inject('kubeLocal');
  let plane: LocalControlPlane;
  const available = missingForTest(NEEDS) === undefined;
  beforeEach((ctx) => skipUnlessAvailable(ctx, NEEDS));

  beforeAll(async () => {
    if (!available) return;
    plane = await LocalControlPlane.start({ binDir, etcdCompactionInterval: '2s' });
  });
  afterAll(async () => {
    await plane?.stop();
  });

  it('keeps etcd data across a kube-apiserver restart', async () => {
    await kubectl(plane, 'create', 'configmap', 'survivor', '--from-literal=k=v', '-n', 'default');
    await plane.restartApiServer();
    expect(
      await kubectl(plane, 'get', 'configmap', 'survivor', '-n', 'default', '-o', 'jsonpath={.data.k}'),
    ).toBe('v');
  });

  it('compacts etcd at the configured interval, so an old resourceVersion gets 410 Gone', async () => {
    await kubectl(plane, 'create', 'configmap', 'churn', '-n', 'default');
    const first = await kubectl(
      plane,
      'get',
      'configmap',
      'churn',
      '-n',
      'default',
      '-o',
      'jsonpath={.metadata.resourceVersion}',
    );
    for (let i = 0; i < 5; i++) {
      await kubectl(plane, 'label', 'configmap', 'churn', '-n', 'default', `round=${i}`, '--overwrite');
    }
    // A list at an exact, compacted resourceVersion is answered 410 by etcd-backed storage.
    await waitFor('compaction', async () => {
      try {
        await kubectl(
          plane,
          'get',
          '--raw',
          `/api/v1/namespaces/default/configmaps?resourceVersion=${first}&resourceVersionMatch=Exact`,
        );
        return false;
      } catch (err) {
        return /Gone|too old|compacted/i.test((err as { stderr: string }).stderr);
      }
    });
  });

  it('refuses a port that is already in use, saying so, without starting anything', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const attempt = LocalControlPlane.start({ binDir, apiServerPort: port });
      await expect(attempt).rejects.toBeInstanceOf(ConfigError);
      await expect(attempt).rejects.toThrow(`Port ${port} for kube-apiserver on 127.0.0.1 is not available`);
    } finally {
      blocker.close();
    }
  });

  it('leaves no process and no work folder behind when its Node process is SIGKILLed', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/integration/support/start-plane-child.ts', binDir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const { workDir } = JSON.parse(line) as { workDir: string };
    expect(await processesMentioning(workDir)).not.toHaveLength(0);
    child.kill('SIGKILL');
    await waitFor(
      'the supervised etcd and kube-apiserver to exit',
      async () => (await processesMentioning(workDir)).length === 0,
    );
    await waitFor('the work folder to be removed', async () => !existsSync(workDir));
  });
});
