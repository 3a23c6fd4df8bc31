import type { KubeObject, ResourceType } from '../client/index.js';
import { ConfigError } from '../common/errors.js';
import { ObjectLock } from './object-lock.js';
import {
  LEADER_ANNOTATION,
  type LeaderElectionRecord,
  recordFromAnnotation,
  recordToAnnotation,
} from './record.js';
import type { ResourceLockOptions } from './resource-lock.js';

const EMPTY_RECORD: LeaderElectionRecord = {
  holderIdentity: '',
  leaseDurationSeconds: 0,
  acquireTime: '',
  renewTime: '',
  leaderTransitions: 0,
};

/**
 * A lock that keeps the record as JSON in the `control-plane.alpha.kubernetes.io/leader`
 * annotation of an object, in the format Kubernetes components wrote before Leases. An object
 * without the annotation reads as an empty record (nobody holds it), as in client-go. The rest of
 * the object (data, subsets, other annotations) is never touched.
 */
export abstract class AnnotationLock<T extends KubeObject> extends ObjectLock<T> {
  protected constructor(type: ResourceType<T>, options: ResourceLockOptions) {
    super(type, options);
  }

  protected decode(object: T): { record: LeaderElectionRecord; raw: string } {
    const raw = object.metadata?.annotations?.[LEADER_ANNOTATION];
    if (raw === undefined) return { record: { ...EMPTY_RECORD }, raw: '' };
    try {
      return { record: recordFromAnnotation(raw), raw };
    } catch (err) {
      throw new ConfigError(
        `${this.describe()}: ${(err as Error).message}. Fix the ${LEADER_ANNOTATION} annotation ` +
          'or remove it (nobody can acquire this lock until then).',
        { cause: err },
      );
    }
  }

  protected encode(object: T, record: LeaderElectionRecord): T {
    const metadata = object.metadata ?? {};
    return {
      ...object,
      metadata: {
        ...metadata,
        annotations: { ...metadata.annotations, [LEADER_ANNOTATION]: recordToAnnotation(record) },
      },
    };
  }
}
