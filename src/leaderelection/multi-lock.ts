import { ConfigError } from '../common/errors.js';
import { type LeaderElectionRecord, UNKNOWN_LEADER } from './record.js';
import type { LockSnapshot, ResourceLock } from './resource-lock.js';

/**
 * Two locks used as one, for migrating a component from one lock type to another (ConfigMap or
 * Endpoints → Lease) without a moment in which old and new replicas could both lead.
 *
 * The primary is the lock the old replicas use and stays the arbiter: every acquisition and
 * renewal writes it first, guarded by its resourceVersion, so an old replica (primary only) and
 * a new one (both) exclude each other there. The secondary is then brought in line. Reads report
 * the primary's record; when the two name different holders the holder is reported as
 * {@link UNKNOWN_LEADER}, which nobody holds, so candidates wait for it to expire. Migration, as
 * in Kubernetes: run every replica on `configmapsleases` (or `endpointsleases`), then on `leases`.
 *
 * Differences from client-go's MultiLock, both to close a race: `create` fails when the primary
 * already exists (client-go ignores AlreadyExists there and could then believe it leads while a
 * primary-only replica that created it a moment earlier does); and when the secondary is missing
 * the primary's record is returned whoever holds it, so that re-creating the secondary always
 * goes through a resourceVersion-guarded update of the primary.
 */
export class MultiLock implements ResourceLock {
  /** Throws ConfigError when either lock is missing or the two identities differ. */
  constructor(
    readonly primary: ResourceLock,
    readonly secondary: ResourceLock,
  ) {
    if (!primary || !secondary) throw new ConfigError('A MultiLock needs a primary and a secondary lock.');
    if (primary.identity() !== secondary.identity()) {
      throw new ConfigError(
        `A MultiLock's locks must share one identity; got ${JSON.stringify(primary.identity())} and ` +
          `${JSON.stringify(secondary.identity())}.`,
      );
    }
  }

  /** The identity both locks write. */
  identity(): string {
    return this.primary.identity();
  }

  /** Both objects, primary first. */
  describe(): string {
    return `${this.primary.describe()} (primary) + ${this.secondary.describe()}`;
  }

  /**
   * The primary's record (`undefined` when the primary does not exist), with the holder replaced
   * by {@link UNKNOWN_LEADER} when the secondary names someone else. `raw` and `resourceVersion`
   * cover both objects, so a change to either counts as a change.
   */
  async get(signal?: AbortSignal): Promise<LockSnapshot | undefined> {
    const primary = await this.primary.get(signal);
    if (primary === undefined) return undefined;
    const secondary = await this.secondary.get(signal);
    if (secondary === undefined) return primary;
    const record =
      primary.record.holderIdentity === secondary.record.holderIdentity
        ? primary.record
        : { ...primary.record, holderIdentity: UNKNOWN_LEADER };
    return {
      record,
      raw: `${primary.raw},${secondary.raw}`,
      resourceVersion: `${primary.resourceVersion ?? ''},${secondary.resourceVersion ?? ''}`,
    };
  }

  /** Creates the primary (which must not exist), then the secondary. */
  async create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    await this.primary.create(record, signal);
    await this.secondary.create(record, signal);
  }

  /**
   * Updates the primary (guarded by its resourceVersion), then writes the secondary as it is
   * now, creating it if it is missing.
   */
  async update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    await this.primary.update(record, signal);
    if ((await this.secondary.get(signal)) === undefined) await this.secondary.create(record, signal);
    else await this.secondary.update(record, signal);
  }

  /** The primary's releases (the primary is the arbiter, and a release writes it first). */
  async *releases(signal: AbortSignal): AsyncIterable<void> {
    if (this.primary.releases) yield* this.primary.releases(signal);
  }

  /** Records the event on both objects. */
  recordEvent(message: string): void {
    this.primary.recordEvent?.(message);
    this.secondary.recordEvent?.(message);
  }
}
