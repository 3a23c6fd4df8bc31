import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../common/errors.js';
import { type Logger, silentLogger } from '../common/logger.js';

/** Binaries a control plane needs to start (`tools/kube-local/build.sh core`). */
export const kubeLocalCoreBinaries = ['etcd', 'kube-apiserver', 'kube-local-helper'] as const;

/** Names of all the binaries `tools/kube-local/build.sh` produces. */
export const kubeLocalBinaries = [
  ...kubeLocalCoreBinaries,
  'kube-scheduler',
  'kube-controller-manager',
  'kubectl',
] as const;

/** Options for {@link buildKubeLocal}. */
export interface BuildKubeLocalOptions {
  /**
   * `core` builds only what {@link LocalControlPlane} needs to start (etcd, kube-apiserver and
   * the helper: the shortest cold build); `all` (default) adds kubectl, kube-scheduler and
   * kube-controller-manager. Binaries already built are reused either way.
   */
  group?: 'core' | 'all';
  /** Progress lines of the build go here (the Go build itself can take many minutes cold). */
  logger?: Logger;
  signal?: AbortSignal;
}

/**
 * Builds (or finds, when already built) the real control-plane binaries from the Go module proxy
 * with `tools/kube-local/build.sh`, and returns the folder holding them. A second call is a
 * no-op that returns in well under a second once the cache folder is complete. A cold build
 * reports progress (phase, packages compiled of the total, elapsed) at least every 15 s as
 * `info` lines to the logger.
 * Throws a {@link ConfigError} that says what to do when Go is missing or the build fails.
 */
export async function buildKubeLocal(options: BuildKubeLocalOptions = {}): Promise<string> {
  const logger = options.logger ?? silentLogger;
  const script = join(findKubeLocalTools(), 'build.sh');
  const group = options.group ?? 'all';
  const output: string[] = [];
  const binDir = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [script, group], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    let partial = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        if (output.length > 40) output.shift();
        if (line.startsWith('kube-local')) logger.info(line);
        else logger.debug(line);
      }
    });
    child.once('error', (err) => reject(err));
    child.once('close', (code) => {
      if (code === 0) resolve(stdout.trim().split('\n').pop() ?? '');
      else
        reject(
          new ConfigError(
            `Building the local control plane failed (exit ${code}). Last output:\n${output.join('\n')}`,
          ),
        );
    });
  });
  for (const name of group === 'core' ? kubeLocalCoreBinaries : kubeLocalBinaries) {
    if (!existsSync(join(binDir, name)))
      throw new ConfigError(`tools/kube-local/build.sh reported ${binDir} but ${name} is missing there.`);
  }
  return binDir;
}

/** Finds `tools/kube-local` by walking up from this module (works from src/ and from dist/ chunks). */
function findKubeLocalTools(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'tools', 'kube-local');
    if (existsSync(join(candidate, 'build.sh'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir)
      throw new ConfigError(
        'Cannot find tools/kube-local/build.sh above the kubekit package; reinstall kubekit or pass binDir.',
      );
    dir = parent;
  }
}
