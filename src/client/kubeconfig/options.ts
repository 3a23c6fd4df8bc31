import type { Clock } from '../../common/clock.js';
import type { Logger } from '../../common/logger.js';

/**
 * How the authenticators built from a kubeconfig (or in-cluster files) behave at runtime. All
 * optional; defaults follow client-go where it has one.
 */
export interface AuthRuntimeOptions {
  /** Time source for credential expiry and token-file re-reads (a fake clock in tests). Default: the real clock. */
  clock?: Clock;
  /** Where warnings go (an unreadable rotated token file, a plugin returning expired credentials). Never receives credentials. Default: silent. */
  logger?: Logger;
  /** How long an exec plugin may run before it is killed and the call fails. Default 120 000 ms (client-go has no limit; a hung plugin would hang every request). */
  execTimeoutMs?: number;
  /** How long a token read from a file is used before the file is read again. Default 60 000 ms, like client-go. */
  tokenFileRefreshMs?: number;
}

/** Default for {@link AuthRuntimeOptions.execTimeoutMs}. */
export const DEFAULT_EXEC_TIMEOUT_MS = 120_000;
/** Default for {@link AuthRuntimeOptions.tokenFileRefreshMs}. */
export const DEFAULT_TOKEN_FILE_REFRESH_MS = 60_000;
