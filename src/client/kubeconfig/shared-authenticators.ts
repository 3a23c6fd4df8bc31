import type { Clock } from '../../common/clock.js';
import type { Authenticator } from './connection-config.js';

// Authenticators that hold state (a cached token file, an exec plugin's credentials) are shared
// by every ConnectionConfig built for the same configuration, like client-go's global exec cache:
// many clients of one user then run the plugin once, and a 401 seen by one refreshes all. Keyed
// per clock so that tests with separate fake clocks never share.
const byClock = new WeakMap<Clock, Map<string, Authenticator>>();

/**
 * Returns the authenticator already created for `key` on `clock`, or creates, remembers and
 * returns a new one. `key` must capture everything that makes two authenticators different
 * (use {@link opaqueIdentity} so that it holds no secret in memory dumps of the map).
 */
export function sharedAuthenticator(clock: Clock, key: string, create: () => Authenticator): Authenticator {
  let map = byClock.get(clock);
  if (map === undefined) {
    map = new Map();
    byClock.set(clock, map);
  }
  let auth = map.get(key);
  if (auth === undefined) {
    auth = create();
    map.set(key, auth);
  }
  return auth;
}
