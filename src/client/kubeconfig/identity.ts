import { createHmac, randomBytes } from 'node:crypto';

// A random key per process: identities are equal for equal inputs within the process (all that
// dispatcher pooling needs), while a leaked identity cannot be used to test guesses of a password
// or token offline.
const processKey = randomBytes(32);

/**
 * Returns a stable (within this process), non-reversible identity for a list of parts: 32 hex
 * characters of an HMAC-SHA256 keyed per process. Parts are length-prefixed so that different
 * splits of the same text never collide. Buffers are hashed by content.
 */
export function opaqueIdentity(parts: ReadonlyArray<string | Buffer | undefined>): string {
  const mac = createHmac('sha256', processKey);
  for (const part of parts) {
    if (part === undefined) {
      mac.update('-;');
      continue;
    }
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    mac.update(`${bytes.length}:`);
    mac.update(bytes);
    mac.update(';');
  }
  return mac.digest('hex').slice(0, 32);
}
