/**
 * Validation of label keys and values, with the rules the API server applies (apimachinery's
 * `IsQualifiedName` and `IsValidLabelValue`). Each validator returns the list of problems,
 * empty when the input is valid, so callers can report all of them at once.
 */

/** Longest label value, and longest name part of a label key. */
export const LABEL_VALUE_MAX_LENGTH = 63;
/** Longest DNS-subdomain prefix of a label key. */
export const LABEL_PREFIX_MAX_LENGTH = 253;

// Compiled once; inputs are length-checked before they reach a regex.
const NAME_RE = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

const NAME_RULE =
  "must consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit (e.g. 'MyName', 'my.name', '123-abc')";
const PREFIX_RULE =
  "must be a lowercase DNS subdomain: labels of lowercase letters, digits and '-', separated by '.', each starting and ending with a letter or digit (e.g. 'example.com')";

/**
 * Problems with a label key: an optional DNS-subdomain prefix (≤253 characters) and `/`,
 * followed by a name of 1–63 characters of `[A-Za-z0-9-_.]` that starts and ends with an
 * alphanumeric character. Returns `[]` for a valid key.
 */
export function validateLabelKey(key: string): string[] {
  const errors: string[] = [];
  const slash = key.indexOf('/');
  let name = key;
  if (slash >= 0) {
    if (key.indexOf('/', slash + 1) >= 0) {
      return [
        "a label key may contain at most one '/', between an optional DNS-subdomain prefix and the name",
      ];
    }
    const prefix = key.slice(0, slash);
    name = key.slice(slash + 1);
    if (prefix.length === 0) errors.push('the prefix part before the / must not be empty');
    else if (prefix.length > LABEL_PREFIX_MAX_LENGTH) {
      errors.push(`the prefix part must be no more than ${LABEL_PREFIX_MAX_LENGTH} characters`);
    } else if (!DNS_SUBDOMAIN_RE.test(prefix)) errors.push(`the prefix part ${PREFIX_RULE}`);
  }
  if (name.length === 0) errors.push('the name part must not be empty');
  else if (name.length > LABEL_VALUE_MAX_LENGTH) {
    errors.push(`the name part must be no more than ${LABEL_VALUE_MAX_LENGTH} characters`);
  } else if (!NAME_RE.test(name)) errors.push(`the name part ${NAME_RULE}`);
  return errors;
}

/**
 * Problems with a label value: empty, or 1–63 characters of `[A-Za-z0-9-_.]` that start and end
 * with an alphanumeric character. Returns `[]` for a valid value.
 */
export function validateLabelValue(value: string): string[] {
  if (value.length === 0) return [];
  if (value.length > LABEL_VALUE_MAX_LENGTH) {
    return [`a label value must be no more than ${LABEL_VALUE_MAX_LENGTH} characters`];
  }
  if (!NAME_RE.test(value)) {
    return [
      "a label value must be empty or consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit (e.g. 'MyValue', 'my_value', '12345')",
    ];
  }
  return [];
}

/** Whether `key` is a valid label key (see {@link validateLabelKey}). */
export function isValidLabelKey(key: string): boolean {
  return validateLabelKey(key).length === 0;
}

/** Whether `value` is a valid label value (see {@link validateLabelValue}). */
export function isValidLabelValue(value: string): boolean {
  return validateLabelValue(value).length === 0;
}
