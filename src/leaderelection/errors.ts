import { ApiError } from '../client/index.js';
import { ConfigError } from '../common/errors.js';

/**
 * The reason the leading signal aborts with when leadership is lost because no renewal
 * succeeded within the renew deadline (when `run`'s own signal aborts, its reason is used).
 */
export class LeadershipLostError extends Error {
  override name = 'LeadershipLostError';
}

/** Which lock call failed. */
export type LockOperation = 'get' | 'create' | 'update';

/**
 * Turns an error that retrying cannot fix into a ConfigError that says what to do, or returns
 * undefined for errors worth retrying (conflicts, 5xx, 429, timeouts, transport errors).
 * Permanent: a ConfigError from the lock (e.g. a corrupt record), 401, 403, 400, 405, 422, and a
 * 404 on create (the namespace or the resource does not exist).
 */
export function permanentLockError(
  err: unknown,
  op: LockOperation,
  election: string,
  lock: string,
): ConfigError | undefined {
  if (err instanceof ConfigError) return err;
  if (!(err instanceof ApiError)) return undefined;
  let hint: string | undefined;
  switch (err.code) {
    case 401:
      hint = "The server did not accept the client's credentials; check the kubeconfig or token.";
      break;
    case 403:
      hint =
        "Grant this client's user get, create and update on the lock's resource in the lock's namespace " +
        '(an RBAC Role and RoleBinding), or choose a lock namespace it may write.';
      break;
    case 404:
      if (op !== 'create') return undefined;
      hint =
        'Create the namespace first (or choose an existing one), and check that the server serves this lock type.';
      break;
    case 400:
    case 405:
    case 422:
      hint = "Check the lock's name and namespace: they must be valid Kubernetes object names.";
      break;
    default:
      return undefined;
  }
  return new ConfigError(
    `Leader election ${JSON.stringify(election)} cannot ${op} its lock ${lock}: ${err.message}. ${hint}`,
    { cause: err },
  );
}
