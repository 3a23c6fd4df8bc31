/**
 * The state of one election as stored in a lock object. Every lock type (Lease, ConfigMap,
 * Endpoints, Multi) reads and writes this one shape, so the elector never needs to know which
 * object backs it.
 *
 * Times are RFC 3339 strings in UTC, kept exactly as they were read so that a record written by
 * another client (client-go writes microseconds into Leases and whole seconds into annotations)
 * round-trips without losing digits. kubekit itself writes `formatMicroTime(clock.wallNow())`,
 * e.g. `2024-01-01T00:00:00.123000Z`; each lock converts to its object's format when writing
 * (microseconds for a Lease, whole seconds for the annotation). An absent time is `''`.
 *
 * These timestamps are for people and tooling only: the elector never compares them with its
 * own clock. Expiry is judged by when this process last saw the record change.
 */
export interface LeaderElectionRecord {
  /** Who holds the lock; `''` when nobody does (released), and anyone may acquire at once. */
  holderIdentity: string;
  /** How long, in whole seconds, others must see no change before they may take over. */
  leaseDurationSeconds: number;
  /** When the current holder acquired the lock (RFC 3339, UTC; `''` when absent). */
  acquireTime: string;
  /** When the current holder last renewed it (RFC 3339, UTC; `''` when absent). */
  renewTime: string;
  /** How many times the lock changed hands. */
  leaderTransitions: number;
}

/**
 * The holder a {@link MultiLock} reports when its two objects name different holders (as
 * client-go does): a non-empty identity nobody has, so candidates wait for expiry.
 */
export const UNKNOWN_LEADER = 'leaderelection.k8s.io/unknown';

/**
 * The annotation in which ConfigMap and Endpoints locks keep the record as JSON, as
 * kube-scheduler and kube-controller-manager did before Leases.
 */
export const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i;

/** Formats `date` as a Kubernetes MicroTime (`2006-01-02T15:04:05.000000Z`, always UTC). */
export function formatMicroTime(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}

/**
 * Rewrites an RFC 3339 time in UTC with exactly six fractional digits (MicroTime, what the API
 * requires in a Lease), keeping the digits it has. Returns `''` for `''`; throws a TypeError for
 * anything that is not RFC 3339.
 */
export function toMicroTime(time: string): string {
  if (time === '') return '';
  const { seconds, fraction } = splitTime(time);
  return `${seconds}.${fraction.padEnd(6, '0').slice(0, 6)}Z`;
}

/**
 * Rewrites an RFC 3339 time in UTC with whole seconds (`metav1.Time`, the format of the
 * annotation record). Returns `''` for `''`; throws a TypeError for anything else unparseable.
 */
export function toRfc3339Seconds(time: string): string {
  if (time === '') return '';
  return `${splitTime(time).seconds}Z`;
}

// Splits into whole UTC seconds (without zone) and the fractional digits, without going through
// a Date for the fraction: a Date holds milliseconds and would drop microseconds.
function splitTime(time: string): { seconds: string; fraction: string } {
  const m = RFC3339.exec(time);
  if (!m) throw new TypeError(`not an RFC 3339 time: ${JSON.stringify(time)}`);
  const [, base, fraction = '', zone] = m;
  if (zone!.toUpperCase() === 'Z') return { seconds: base!, fraction };
  const ms = Date.parse(`${base}${zone}`);
  if (Number.isNaN(ms)) throw new TypeError(`not an RFC 3339 time: ${JSON.stringify(time)}`);
  return { seconds: new Date(ms).toISOString().slice(0, 19), fraction };
}

/**
 * Serializes a record the way Go's `json.Marshal` wrote `LeaderElectionRecord` in the
 * annotation of older components: these five fields in this order, times in whole seconds,
 * an absent time as `null`.
 */
export function recordToAnnotation(record: LeaderElectionRecord): string {
  const time = (t: string) => (t === '' ? null : toRfc3339Seconds(t));
  return JSON.stringify({
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: time(record.acquireTime),
    renewTime: time(record.renewTime),
    leaderTransitions: record.leaderTransitions,
  });
}

/**
 * Parses the annotation's JSON. Unknown fields are ignored and missing ones take their zero
 * value (as Go's `json.Unmarshal` does); anything that is not a JSON object with fields of the
 * right types throws a TypeError saying what is wrong.
 */
export function recordFromAnnotation(text: string): LeaderElectionRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new TypeError(`the leader election annotation is not JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TypeError('the leader election annotation is not a JSON object');
  }
  const o = parsed as Record<string, unknown>;
  return {
    holderIdentity: field(o, 'holderIdentity', 'string', ''),
    leaseDurationSeconds: field(o, 'leaseDurationSeconds', 'number', 0),
    acquireTime: timeField(o, 'acquireTime'),
    renewTime: timeField(o, 'renewTime'),
    leaderTransitions: field(o, 'leaderTransitions', 'number', 0),
  };
}

function field<T extends string | number>(
  o: Record<string, unknown>,
  name: string,
  type: 'string' | 'number',
  zero: T,
): T {
  const v = o[name];
  if (v === undefined || v === null) return zero;
  if (typeof v !== type) throw new TypeError(`the leader election annotation's ${name} is not a ${type}`);
  return v as T;
}

function timeField(o: Record<string, unknown>, name: string): string {
  const v = field(o, name, 'string', '');
  if (v !== '' && !RFC3339.test(v)) {
    throw new TypeError(`the leader election annotation's ${name} is not an RFC 3339 time: ${v}`);
  }
  return v;
}
