/**
 * resourceVersion helpers.
 *
 * Clients must treat resourceVersions as opaque strings: pass them back to the server unchanged
 * and compare them only for equality. The single exception is the one Kubernetes 1.35 made
 * official (KEP-5504, apimachinery's `resourceversion.CompareResourceVersion`): the
 * resourceVersions of objects *of the same resource* from a conforming server are positive
 * decimal integers of unbounded size that only grow, so two of them may be ordered. Comparing
 * versions of different resources, or from servers that do not make this promise (aggregated
 * APIs may not), means nothing.
 */

/** Thrown by {@link compareResourceVersions} for a resourceVersion that is not comparable. */
export class InvalidResourceVersionError extends Error {
  override name = 'InvalidResourceVersionError';
  constructor(readonly resourceVersion: string) {
    super(
      `resourceVersion ${JSON.stringify(resourceVersion)} is not comparable: expected a positive decimal integer without leading zeros`,
    );
  }
}

/**
 * Whether `rv` has the comparable form: non-empty, decimal digits only, no leading zero. "0" is
 * not comparable: it is a special value in list and watch requests and never an object's version.
 */
export function isComparableResourceVersion(rv: string): boolean {
  if (typeof rv !== 'string' || rv.length === 0 || rv.charCodeAt(0) === 48) return false;
  for (let i = 0; i < rv.length; i++) {
    const c = rv.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Orders two resourceVersions of objects of the same resource: -1 when `a` is older, 0 when
 * equal, 1 when newer. Exact for any length (no conversion to a Number).
 *
 * @throws InvalidResourceVersionError when either is not comparable (see
 *   {@link isComparableResourceVersion}).
 */
export function compareResourceVersions(a: string, b: string): -1 | 0 | 1 {
  if (!isComparableResourceVersion(a)) throw new InvalidResourceVersionError(a);
  if (!isComparableResourceVersion(b)) throw new InvalidResourceVersionError(b);
  // Without leading zeros a longer number is larger; equal lengths order like strings.
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
