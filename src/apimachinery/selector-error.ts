/**
 * Thrown when a label or field selector (a string, a `LabelSelector` object or a programmatic
 * requirement) is invalid. The message names the offending part and, for strings, its
 * position, e.g. `invalid label selector "a in (b": expected ',' or ')' but found end of
 * selector at position 7`.
 */
export class SelectorParseError extends Error {
  override name = 'SelectorParseError';
  constructor(
    message: string,
    /** The selector text that was parsed; '' when the selector was not given as a string. */
    readonly input: string,
    /** Offset in `input` of the offending part (its length at end of input); -1 when not from a string. */
    readonly position: number,
    /** The offending token, key, value or field path. */
    readonly part: string,
  ) {
    super(message);
  }
}
