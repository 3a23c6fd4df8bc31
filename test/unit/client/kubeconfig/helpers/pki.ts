import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { TempDir } from './tmp.js';

/** Throwaway certificates and keys generated for one test run (never committed). */
export interface TestPki {
  /** A self-signed certificate usable as a CA bundle and as a client certificate for `key1`. */
  cert1: Buffer;
  key1: Buffer;
  /** A second, unrelated pair (for mismatch tests). */
  cert2: Buffer;
  key2: Buffer;
  cert1Path: string;
  key1Path: string;
  cert2Path: string;
  key2Path: string;
}

/** Generates two self-signed P-256 certificates with openssl into `tmp` (fast: EC keys). */
export function makePki(tmp: TempDir): TestPki {
  const gen = (name: string) => {
    const cert = tmp.path(`pki/${name}.crt`);
    const key = tmp.path(`pki/${name}.key`);
    tmp.write(`pki/.keep`, '');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-subj',
        `/CN=kubekit-test-${name}`,
        '-days',
        '2',
      ],
      { stdio: 'ignore' },
    );
    return { cert, key };
  };
  const a = gen('one');
  const b = gen('two');
  return {
    cert1: readFileSync(a.cert),
    key1: readFileSync(a.key),
    cert2: readFileSync(b.cert),
    key2: readFileSync(b.key),
    cert1Path: a.cert,
    key1Path: a.key,
    cert2Path: b.cert,
    key2Path: b.key,
  };
}
