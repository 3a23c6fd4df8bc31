import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenFileAuthenticator } from '../../../../src/client/kubeconfig/token-file.js';
import { ConfigError } from '../../../../src/common/errors.js';
import type { Logger } from '../../../../src/common/logger.js';
import { FakeClock } from '../../../../src/testing/fake-clock.js';
import { makeTempDir, type TempDir } from './helpers/tmp.js';

let tmp: TempDir;
let clock: FakeClock;
let warnings: Array<{ message: string; fields?: Record<string, unknown> }>;
const logger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (message, fields) => warnings.push({ message, fields }),
  error: () => {},
};

beforeEach(() => {
  tmp = makeTempDir();
  clock = new FakeClock();
  warnings = [];
});
afterEach(() => tmp.cleanup());

function authenticator(path: string, initialToken?: string) {
  return new TokenFileAuthenticator({
    path,
    clock,
    logger,
    refreshMs: 60_000,
    describe: 'test user',
    ...(initialToken !== undefined ? { initialToken } : {}),
  });
}

describe('TokenFileAuthenticator', () => {
  it('reads the file on first use and trims whitespace', async () => {
    const file = tmp.write('token', '  first-token\n');
    expect(await authenticator(file).authorization()).toBe('Bearer first-token');
  });

  it('keeps the token for the refresh interval, then picks up a rotated file', async () => {
    const file = tmp.write('token', 'first-token');
    const auth = authenticator(file);
    expect(await auth.authorization()).toBe('Bearer first-token');
    tmp.write('token', 'second-token');
    clock.step(59_999);
    expect(await auth.authorization()).toBe('Bearer first-token');
    clock.step(1);
    expect(await auth.authorization()).toBe('Bearer second-token');
  });

  it('starts from an initial token without reading the file until the interval passes', async () => {
    const file = tmp.write('token', 'on-disk');
    const auth = authenticator(file, 'preloaded');
    expect(await auth.authorization()).toBe('Bearer preloaded');
    clock.step(60_000);
    expect(await auth.authorization()).toBe('Bearer on-disk');
  });

  it('after a 401 re-reads at once and says a retry is worthwhile only if the token changed', async () => {
    const file = tmp.write('token', 'old');
    const auth = authenticator(file);
    expect(await auth.authorization()).toBe('Bearer old');
    expect(await auth.invalidate('Bearer old')).toBe(false);
    tmp.write('token', 'new');
    expect(await auth.invalidate('Bearer old')).toBe(true);
    expect(await auth.authorization()).toBe('Bearer new');
  });

  it('answers true without re-reading when the rejected token is no longer the current one', async () => {
    const file = tmp.write('token', 'current');
    const auth = authenticator(file);
    await auth.authorization();
    rmSync(file);
    expect(await auth.invalidate('Bearer stale')).toBe(true);
    expect(await auth.authorization()).toBe('Bearer current');
  });

  it('keeps using the last token when a re-read fails, warns without the token, and retries later', async () => {
    const file = tmp.write('token', 'kept-token');
    const auth = authenticator(file);
    await auth.authorization();
    rmSync(file);
    clock.step(60_000);
    expect(await auth.authorization()).toBe('Bearer kept-token');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toEqual({ path: file, problem: 'it does not exist' });
    expect(JSON.stringify(warnings)).not.toContain('kept-token');
    // Not re-read on every call...
    await auth.authorization();
    expect(warnings).toHaveLength(1);
    // ...but again after a sixth of the interval.
    tmp.write('token', 'restored');
    clock.step(10_000);
    expect(await auth.authorization()).toBe('Bearer restored');
    expect(await auth.invalidate('Bearer restored')).toBe(false);
  });

  it('treats an empty file as a failed read', async () => {
    const file = tmp.write('token', '\n');
    const err = await authenticator(file)
      .authorization()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      `test user: the token file ${file} could not be read (it is empty). Fix the path, or make sure the file exists and holds a token.`,
    );
  });

  it('fails with a ConfigError naming the file when there is no token at all, and false from invalidate', async () => {
    const file = tmp.path('absent');
    const auth = authenticator(file);
    await expect(auth.authorization()).rejects.toThrow(
      `the token file ${file} could not be read (it does not exist)`,
    );
    expect(await auth.invalidate()).toBe(false);
  });

  it('shares one read between concurrent callers', async () => {
    const file = tmp.write('token', 'shared');
    const auth = authenticator(file);
    await auth.authorization();
    // A failing re-read warns once per read, so the warning count counts the reads.
    rmSync(file);
    clock.step(60_000);
    const results = await Promise.all([auth.authorization(), auth.authorization(), auth.authorization()]);
    expect(results).toEqual(['Bearer shared', 'Bearer shared', 'Bearer shared']);
    expect(warnings).toHaveLength(1);
  });

  it('rejects with the abort reason when the signal is already aborted', async () => {
    const file = tmp.write('token', 't');
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(authenticator(file).authorization(controller.signal)).rejects.toThrow('stop');
  });
});
