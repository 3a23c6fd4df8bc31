import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Clock } from '../../common/clock.js';
import { ConfigError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { Authenticator } from './connection-config.js';
import { describeFileError } from './messages.js';
import { waitWithSignal } from './signal.js';

/** Options for {@link TokenFileAuthenticator}. */
export interface TokenFileOptions {
  path: string;
  clock: Clock;
  logger: Logger;
  /** Re-read the file when the token in hand is older than this. */
  refreshMs: number;
  /** Where the path came from, for messages: e.g. `tokenFile of user "ci" in kubeconfig /x`. */
  describe: string;
  /** A token already read (synchronously, to fail early); used until `refreshMs` passes. */
  initialToken?: string;
}

/**
 * Reads a bearer token from a file and keeps it fresh: the file is read again once the token in
 * hand is older than `refreshMs` (client-go: one minute) and after a 401, so a rotated token
 * (projected service-account tokens are replaced by the kubelet) is picked up without a restart.
 *
 * Guarantees: concurrent callers share one read; if a re-read fails while a token is in hand,
 * the old token keeps being used (with a warning, and another attempt after a sixth of the
 * interval) rather than failing requests, as client-go does; the token never appears in logs or
 * errors.
 */
export class TokenFileAuthenticator implements Authenticator {
  private token: string | undefined;
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<string> | undefined;

  constructor(private readonly options: TokenFileOptions) {
    if (options.initialToken !== undefined) {
      this.token = options.initialToken;
      this.readAt = options.clock.now();
    }
  }

  async authorization(signal?: AbortSignal): Promise<string> {
    signal?.throwIfAborted();
    const fresh = this.token !== undefined && this.options.clock.now() - this.readAt < this.options.refreshMs;
    const token = fresh ? this.token! : await waitWithSignal(this.reread(), signal);
    return `Bearer ${token}`;
  }

  async invalidate(rejected?: string): Promise<boolean> {
    const before = this.token;
    // Another request already moved to a newer token: retrying with it may work.
    if (rejected !== undefined && before !== undefined && rejected !== `Bearer ${before}`) return true;
    let after: string;
    try {
      after = await this.reread();
    } catch {
      return false;
    }
    return after !== before;
  }

  /** One shared read at a time; resolves to the token to use (possibly the old one on failure). */
  private reread(): Promise<string> {
    if (this.reading === undefined) {
      const reading = this.readOnce().finally(() => {
        if (this.reading === reading) this.reading = undefined;
      });
      this.reading = reading;
    }
    return this.reading;
  }

  private async readOnce(): Promise<string> {
    const { path, clock, logger, refreshMs, describe } = this.options;
    let problem: string;
    try {
      const token = (await readFile(path, 'utf8')).trim();
      if (token !== '') {
        this.token = token;
        this.readAt = clock.now();
        return token;
      }
      problem = 'it is empty';
    } catch (err) {
      problem = describeFileError(err);
    }
    if (this.token !== undefined) {
      logger.warn('could not re-read the token file; keeping the previous token', { path, problem });
      // Try again soon, but not on every request.
      this.readAt = clock.now() - refreshMs + refreshMs / 6;
      return this.token;
    }
    throw tokenFileError(describe, path, problem);
  }
}

/**
 * Reads a token file synchronously (used when a configuration is built, so that a missing file
 * is reported at once).
 *
 * @throws ConfigError naming the file and the field it came from.
 */
export function readTokenFileSync(path: string, describe: string): string {
  let problem: string;
  try {
    const token = readFileSync(path, 'utf8').trim();
    if (token !== '') return token;
    problem = 'it is empty';
  } catch (err) {
    problem = describeFileError(err);
  }
  throw tokenFileError(describe, path, problem);
}

function tokenFileError(describe: string, path: string, problem: string): ConfigError {
  return new ConfigError(
    `${describe}: the token file ${path} could not be read (${problem}). Fix the path, or make sure the file exists and holds a token.`,
  );
}
