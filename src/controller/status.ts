import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { ResourceClient } from '../client/resource-client.js';
import type { KubeObject } from '../client/resource-type.js';
import { type ConflictBackoff, retryOnConflict } from '../client/retry-on-conflict.js';

/**
 * Updates the status subresource with `mutate(latest)` and retries on conflict, re-reading the
 * object each time, so a status write never loses to a concurrent spec change. Returns the
 * written object. `mutate` may return the same object after changing it in place.
 */
export function updateStatusWithRetry<T extends KubeObject>(
  client: ResourceClient<T>,
  name: string,
  mutate: (latest: T) => T,
  options: { namespace?: string; signal?: AbortSignal; backoff?: ConflictBackoff } = {},
): Promise<T> {
  return retryOnConflict(
    async () => {
      const latest = await client.get(name, {
        ...(options.namespace ? { namespace: options.namespace } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return client.updateStatus(
        mutate(structuredClone(latest)),
        options.signal ? { signal: options.signal } : {},
      );
    },
    { ...options.backoff, ...(options.signal ? { signal: options.signal } : {}) },
  );
}

/**
 * Sets a condition in a conditions list (returns a new list): `lastTransitionTime` changes only
 * when the status changes, as the API conventions require.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  condition: Omit<Condition, 'lastTransitionTime'> & { lastTransitionTime?: string },
  now: Date = new Date(),
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === condition.type);
  const previous = i === -1 ? undefined : list[i];
  const lastTransitionTime =
    previous && previous.status === condition.status
      ? previous.lastTransitionTime
      : (condition.lastTransitionTime ?? now.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  const next: Condition = { ...condition, lastTransitionTime };
  if (i === -1) list.push(next);
  else list[i] = next;
  return list;
}
