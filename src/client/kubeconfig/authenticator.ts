import type { Authenticator } from './connection-config.js';

/**
 * An authenticator that sends no Authorization header: anonymous access, or a user that
 * authenticates with a static client certificate only. A 401 is final.
 */
export function noAuthenticator(): Authenticator {
  return {
    authorization: async (signal) => {
      signal?.throwIfAborted();
      return undefined;
    },
    invalidate: async () => false,
  };
}

/**
 * A fixed bearer token from the kubeconfig (`token:`). Nothing can refresh it, so `invalidate`
 * resolves false: retrying a 401 with the same token cannot help.
 */
export function staticTokenAuthenticator(token: string): Authenticator {
  const header = `Bearer ${token}`;
  return {
    authorization: async (signal) => {
      signal?.throwIfAborted();
      return header;
    },
    invalidate: async () => false,
  };
}

/**
 * HTTP basic auth from `username`/`password`. The header is computed once; `invalidate` resolves
 * false.
 */
export function basicAuthenticator(username: string, password: string): Authenticator {
  const header = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  return {
    authorization: async (signal) => {
      signal?.throwIfAborted();
      return header;
    },
    invalidate: async () => false,
  };
}
