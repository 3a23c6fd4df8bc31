import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A temporary directory for one test file; `cleanup()` removes it. */
export interface TempDir {
  dir: string;
  /** Writes `content` to `rel` (creating parent directories) and returns the absolute path. */
  write(rel: string, content: string | Buffer, mode?: number): string;
  path(rel: string): string;
  cleanup(): void;
}

export function makeTempDir(prefix = 'kubekit-kubeconfig-'): TempDir {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    dir,
    write(rel, content, mode) {
      const file = path.join(dir, rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
      if (mode !== undefined) chmodSync(file, mode);
      return file;
    },
    path: (rel) => path.join(dir, rel),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Base64 of a string or buffer, as kubeconfig `*-data` fields hold it. */
export function b64(value: string | Buffer): string {
  return Buffer.from(value).toString('base64');
}
