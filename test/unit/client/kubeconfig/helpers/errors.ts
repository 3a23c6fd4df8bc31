import { expect } from 'vitest';
import { ConfigError } from '../../../../../src/common/errors.js';

/**
 * Runs `fn` (sync or async), expects a ConfigError and returns its message so a test can assert
 * on what the sentence names.
 */
export async function configErrorOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

/** Synchronous variant of {@link configErrorOf}. */
export function configErrorOfSync(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}
