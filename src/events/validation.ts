import { ConfigError } from '../common/errors.js';

/** Longest reason, action and reportingInstance the API accepts (bytes). */
export const FIELD_LENGTH_LIMIT = 128;
/** Longest note (message) events.k8s.io/v1 accepts (bytes); longer messages are cut to it. */
export const NOTE_LENGTH_LIMIT = 1024;

const QUALIFIED_NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Length of `s` in UTF-8 bytes: the API counts bytes (Go's `len`). */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * `message` cut to at most {@link NOTE_LENGTH_LIMIT} UTF-8 bytes, never inside a character;
 * a cut message ends in `…` so readers know it was cut.
 */
export function truncateNote(message: string): string {
  if (message.length * 3 <= NOTE_LENGTH_LIMIT || byteLength(message) <= NOTE_LENGTH_LIMIT) return message;
  const budget = NOTE_LENGTH_LIMIT - byteLength('…');
  const bytes = Buffer.from(message, 'utf8');
  let end = budget;
  // Back up to the start of a UTF-8 sequence (continuation bytes are 0b10xxxxxx).
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString('utf8')}…`;
}

/** Why `reason` (or an action) is unacceptable to the API, or undefined when it is fine. */
export function checkShortField(what: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return `${what} must be a non-empty string`;
  if (byteLength(value) > FIELD_LENGTH_LIMIT) return `${what} must be at most ${FIELD_LENGTH_LIMIT} bytes`;
  return undefined;
}

/**
 * Throws a ConfigError unless `component` is a qualified name (`[dns-subdomain/]name`, name at
 * most 63 characters), which events.k8s.io/v1 requires of `reportingController`.
 */
export function assertReportingController(component: string): void {
  const slash = component.lastIndexOf('/');
  const prefix = slash >= 0 ? component.slice(0, slash) : undefined;
  const name = slash >= 0 ? component.slice(slash + 1) : component;
  const ok =
    name.length > 0 &&
    name.length <= 63 &&
    QUALIFIED_NAME_PART.test(name) &&
    (prefix === undefined || (prefix.length > 0 && prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)));
  if (!ok) {
    throw new ConfigError(
      `The event component ${JSON.stringify(component)} is not a qualified name; use letters, digits, '-', '_' ` +
        "and '.' (at most 63, starting and ending alphanumeric), optionally after a DNS prefix and '/', e.g. " +
        "'tenant-operator' or 'example.com/tenant-operator'.",
    );
  }
}

/** Throws a ConfigError unless `instance` is a non-empty reportingInstance of at most 128 bytes. */
export function assertReportingInstance(instance: string): void {
  if (!instance || byteLength(instance) > FIELD_LENGTH_LIMIT) {
    throw new ConfigError(
      `The event instance ${JSON.stringify(instance)} must be a non-empty string of at most ${FIELD_LENGTH_LIMIT} bytes (e.g. the host or pod name).`,
    );
  }
}

/** True when `name` is a valid DNS subdomain (what event names must be). */
export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name);
}
