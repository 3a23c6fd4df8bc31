/**
 * Field selectors with the semantics of apimachinery's `fields` package: comma-joined terms
 * `field=value`, `field==value` or `field!=value`, where a value escapes `\`, `,` and `=` with a
 * backslash. A missing field reads as the empty string, so `spec.nodeName=` selects objects
 * with no node and `spec.nodeName!=` those with one.
 *
 * Like label selectors, a field selector is compiled once: matching a flat field map is a
 * property lookup per term, matching an object walks a pre-split dotted path.
 */
import { SelectorParseError } from './selector-error.js';

/** A term's operator: `=` (written `=` or `==`) or `!=`. */
export type FieldSelectorOperator = '=' | '!=';

/** One term of a field selector. `value` is unescaped. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldSelectorOperator;
  readonly value: string;
}

/** A flat map of field paths to values, e.g. `{ 'metadata.name': 'x', 'status.phase': 'Running' }`. */
export type Fields = Readonly<Record<string, string>>;

const NEEDS_ESCAPE = /[\\,=]/;
const ESCAPE_ALL = /[\\,=]/g;

/**
 * Escapes a literal value for use in a field selector: `\` → `\\`, `,` → `\,`, `=` → `\=`
 * (apimachinery's `fields.EscapeValue`). Other characters, `!` included, need no escaping.
 */
export function escapeFieldSelectorValue(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPE_ALL, '\\$&') : value;
}

/**
 * Reverses {@link escapeFieldSelectorValue} (apimachinery's `fields.UnescapeValue`): `\\`, `\,`
 * and `\=` become the character; any other escape, a trailing lone `\`, or an unescaped `,` or
 * `=` is an error.
 *
 * @throws SelectorParseError naming the offending sequence and its position in `value`.
 */
export function unescapeFieldSelectorValue(value: string): string {
  return unescapeAt(value, value, 0);
}

function unescapeAt(value: string, input: string, offset: number): string {
  // Fast path: nothing to unescape and nothing forbidden.
  if (value.indexOf('\\') < 0 && value.indexOf(',') < 0 && value.indexOf('=') < 0) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === '\\') {
      const next = value[i + 1];
      if (next === undefined)
        failAt(input, offset + i, '\\', `unfinished escape '\\' at end of value (position ${offset + i})`);
      if (next !== '\\' && next !== ',' && next !== '=') {
        failAt(
          input,
          offset + i,
          `\\${next}`,
          `invalid escape sequence '\\${next}' at position ${offset + i}; only \\\\, \\, and \\= are allowed`,
        );
      }
      out += next;
      i++;
    } else if (ch === ',' || ch === '=') {
      failAt(
        input,
        offset + i,
        ch,
        `unescaped '${ch}' in value at position ${offset + i}; write it as '\\${ch}'`,
      );
    } else {
      out += ch;
    }
  }
  return out;
}

function failAt(input: string, position: number, part: string, message: string): never {
  const shown = input.length > 200 ? `${JSON.stringify(input.slice(0, 200))}…` : JSON.stringify(input);
  throw new SelectorParseError(`invalid field selector ${shown}: ${message}`, input, position, part);
}

function termString(r: FieldRequirement): string {
  return `${r.field}${r.operator}${escapeFieldSelectorValue(r.value)}`;
}

// Marks a field whose value is an object or array: it equals no selector value.
const NOT_SCALAR = Symbol('not a scalar');

function scalarText(v: unknown): string | typeof NOT_SCALAR {
  if (v === undefined || v === null) return '';
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    default:
      return NOT_SCALAR;
  }
}

type ObjectGetter = (obj: unknown) => string | typeof NOT_SCALAR;

function compileGetter(path: string): ObjectGetter {
  const segments = path.split('.');
  return (obj) => {
    let cur: unknown = obj;
    for (const seg of segments) {
      if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, seg)) return '';
      cur = (cur as Record<string, unknown>)[seg];
    }
    return scalarText(cur);
  };
}

let createSelector: (requirements: readonly FieldRequirement[]) => FieldSelectorMatcher;

/**
 * A compiled, immutable field selector. Obtain one from {@link parseFieldSelector},
 * {@link fieldSelectorFromSet} or {@link everythingFieldSelector}.
 */
export class FieldSelectorMatcher {
  /** The terms, sorted by their canonical text; all must hold for a match. */
  readonly requirements: readonly FieldRequirement[];
  readonly #getters: readonly ObjectGetter[];
  readonly #text: string;

  static {
    createSelector = (requirements) => new FieldSelectorMatcher(requirements);
  }

  private constructor(requirements: readonly FieldRequirement[]) {
    const withText = requirements.map((r) => ({ r: Object.freeze({ ...r }), text: termString(r) }));
    withText.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    this.requirements = Object.freeze(withText.map((x) => x.r));
    this.#text = withText.map((x) => x.text).join(',');
    this.#getters = this.requirements.map((r) => compileGetter(r.field));
  }

  /** Whether a flat field map satisfies every term; a missing field reads as ''. */
  matches(fields: Fields | null | undefined): boolean {
    const f = fields ?? {};
    for (const r of this.requirements) {
      const v = Object.hasOwn(f, r.field) ? f[r.field] : '';
      if ((v === r.value) !== (r.operator === '=')) return false;
    }
    return true;
  }

  /**
   * Whether an object satisfies every term, reading each field by its dotted path
   * (`metadata.name`, `spec.nodeName`, `status.phase`). Missing fields read as ''; numbers and
   * booleans as their string form (`spec.unschedulable=true`); an object or array equals no value.
   */
  matchesObject(obj: unknown): boolean {
    const getters = this.#getters;
    const reqs = this.requirements;
    for (let i = 0; i < reqs.length; i++) {
      const r = reqs[i] as FieldRequirement;
      const v = (getters[i] as ObjectGetter)(obj);
      if ((v === r.value) !== (r.operator === '=')) return false;
    }
    return true;
  }

  /** Whether the selector places no restriction. */
  isEverything(): boolean {
    return this.requirements.length === 0;
  }

  /** The value `field` must equal for a match when some `=` term pins it, else `undefined`. */
  requiresExactMatch(field: string): string | undefined {
    for (const r of this.requirements) if (r.field === field && r.operator === '=') return r.value;
    return undefined;
  }

  /**
   * The canonical string: terms as `field=value` / `field!=value` with values escaped, sorted,
   * joined by `,` — ready for a `fieldSelector=` query parameter; '' selects everything.
   */
  toString(): string {
    return this.#text;
  }
}

const EVERYTHING = createSelector([]);

/** The selector that matches everything (apimachinery's `fields.Everything()`). */
export function everythingFieldSelector(): FieldSelectorMatcher {
  return EVERYTHING;
}

function checkField(field: string, input: string, position: number): void {
  if (field.length === 0)
    failAt(input, position, field, `missing field name before the operator at position ${position}`);
  for (let i = 0; i < field.length; i++) {
    const c = field.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 92) {
      // The server does not trim; "a=b, c=d" would ask for a field named " c".
      failAt(
        input,
        position + i,
        field,
        `field name ${JSON.stringify(field)} at position ${position} contains ${c === 92 ? 'a backslash' : 'whitespace'}`,
      );
    }
  }
}

/**
 * A selector requiring each field to equal its value (apimachinery's `fields.SelectorFromSet`);
 * an absent or empty set selects everything.
 *
 * @throws SelectorParseError when a field name is empty or contains whitespace.
 */
export function fieldSelectorFromSet(fields: Fields | null | undefined): FieldSelectorMatcher {
  if (!fields) return EVERYTHING;
  const keys = Object.keys(fields);
  if (keys.length === 0) return EVERYTHING;
  return createSelector(
    keys.map((field) => {
      checkField(field, field, 0);
      return { field, operator: '=' as const, value: String(fields[field]) };
    }),
  );
}

/**
 * Parses a field selector string (apimachinery's `fields.ParseSelector`): terms separated by
 * unescaped commas, each `field=value`, `field==value` or `field!=value` split at the first
 * operator; values are unescaped (see {@link unescapeFieldSelectorValue}); empty terms are
 * ignored and an empty string selects everything. Unlike apimachinery, an empty field name and
 * whitespace in a field name are rejected here rather than by the server.
 *
 * @throws SelectorParseError naming the offending term or sequence and its position.
 */
export function parseFieldSelector(selector: string): FieldSelectorMatcher {
  if (typeof selector !== 'string') {
    throw new SelectorParseError(
      `invalid field selector: expected a string, got ${typeof selector}`,
      '',
      -1,
      '',
    );
  }
  const requirements: FieldRequirement[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i <= selector.length; i++) {
    if (i < selector.length) {
      const c = selector.charCodeAt(i);
      if (escaped) {
        escaped = false;
        continue;
      }
      if (c === 92) {
        escaped = true;
        continue;
      }
      if (c !== 44) continue;
    }
    if (i > start) requirements.push(parseTerm(selector, start, i));
    start = i + 1;
  }
  if (requirements.length === 0) return EVERYTHING;
  return createSelector(requirements);
}

function parseTerm(input: string, start: number, end: number): FieldRequirement {
  const term = input.slice(start, end);
  // The field name cannot be escaped, so the first operator splits the term; at one position
  // "!=" and "==" win over "=" (so "a==b" does not leave "=b" as the value).
  for (let i = 0; i < term.length; i++) {
    const c = term.charCodeAt(i);
    let opLength = 0;
    let operator: FieldSelectorOperator = '=';
    if (c === 33 /* ! */ && term.charCodeAt(i + 1) === 61) {
      opLength = 2;
      operator = '!=';
    } else if (c === 61 /* = */) {
      opLength = term.charCodeAt(i + 1) === 61 ? 2 : 1;
    }
    if (opLength === 0) continue;
    const field = term.slice(0, i);
    checkField(field, input, start);
    const valueStart = i + opLength;
    const value = unescapeAt(term.slice(valueStart), input, start + valueStart);
    return { field, operator, value };
  }
  return failAt(
    input,
    start,
    term,
    `term ${JSON.stringify(term)} at position ${start} has no operator (=, == or !=)`,
  );
}
