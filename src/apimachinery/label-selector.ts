/**
 * Label selectors with the semantics of apimachinery's `labels` package: the full string syntax
 * (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`), `LabelSelector`
 * objects (`matchLabels` / `matchExpressions`), matching, and the canonical string form used in
 * `labelSelector=` query parameters.
 *
 * A selector is compiled once into one small predicate per requirement, so matching an object
 * (which listers do for every cached object) is a few own-property lookups and string or set
 * comparisons, with no allocation; only `>`/`<` parse the label value as an integer.
 */
import type { LabelSelector as LabelSelectorObject } from 'kubernetes-types/meta/v1.js';
import { validateLabelKey, validateLabelValue } from './label-validation.js';
import { SelectorParseError } from './selector-error.js';

/**
 * A requirement's operator, spelled as apimachinery's `selection.Operator`: `=`, `==` and `in`
 * need the key to be present with one of the values; `!=` and `notin` need it absent or with
 * another value; `exists` and `!` (does-not-exist) test presence; `gt` and `lt` compare the
 * value as a 64-bit integer.
 */
export type LabelSelectorOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

/** A label map, as in `metadata.labels`. Only own properties count as labels. */
export type Labels = Readonly<Record<string, string>>;

/** One validated requirement of a selector; `values` are sorted and free of duplicates. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelSelectorOperator;
  readonly values: readonly string[];
}

type Predicate = (labels: Labels) => boolean;

const EMPTY_LABELS: Labels = Object.freeze({});
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;
const INT_RE = /^[+-]?[0-9]+$/;

/** strconv.ParseInt(s, 10, 64): an optional sign and decimal digits, within int64. */
function parseInt64(s: string): number | bigint | undefined {
  if (!INT_RE.test(s)) return undefined;
  const first = s.charCodeAt(0);
  const digits = first === 43 /* + */ || first === 45 /* - */ ? s.length - 1 : s.length;
  // Up to 15 digits is always exact as a Number; mixed number/bigint comparison is exact too.
  if (digits <= 15) return Number(s);
  const big = BigInt(s);
  return big < MIN_INT64 || big > MAX_INT64 ? undefined : big;
}

function lookup(labels: Labels, key: string): string | undefined {
  // Own properties only: a label key such as "constructor" must not find Object.prototype's.
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

function compile(r: LabelRequirement): Predicate {
  const { key, values } = r;
  switch (r.operator) {
    case '=':
    case '==':
    case 'in': {
      if (values.length === 1) {
        const want = values[0];
        return (labels) => lookup(labels, key) === want;
      }
      const set = new Set(values);
      return (labels) => {
        const v = lookup(labels, key);
        return v !== undefined && set.has(v);
      };
    }
    case '!=':
    case 'notin': {
      if (values.length === 1) {
        const unwanted = values[0];
        return (labels) => lookup(labels, key) !== unwanted;
      }
      const set = new Set(values);
      return (labels) => {
        const v = lookup(labels, key);
        return v === undefined || !set.has(v);
      };
    }
    case 'exists':
      return (labels) => Object.hasOwn(labels, key);
    case '!':
      return (labels) => !Object.hasOwn(labels, key);
    case 'gt':
    case 'lt': {
      const bound = parseInt64(values[0] ?? '') as number | bigint;
      const greater = r.operator === 'gt';
      return (labels) => {
        const v = lookup(labels, key);
        if (v === undefined) return false;
        const n = parseInt64(v);
        if (n === undefined) return false;
        return greater ? n > bound : n < bound;
      };
    }
  }
}

const OPERATOR_TEXT: Readonly<Record<LabelSelectorOperator, string>> = {
  '=': '=',
  '==': '==',
  '!=': '!=',
  in: ' in ',
  notin: ' notin ',
  gt: '>',
  lt: '<',
  exists: '',
  '!': '',
};

/** The canonical text of one requirement, as apimachinery's `Requirement.String()`. */
function requirementString(r: LabelRequirement): string {
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
    case 'notin':
      return `${r.key}${OPERATOR_TEXT[r.operator]}(${r.values.join(',')})`;
    default:
      return `${r.key}${OPERATOR_TEXT[r.operator]}${r.values[0]}`;
  }
}

interface Problem {
  /** What is wrong, e.g. `label value "b@c"`; a position can be appended to it. */
  subject: string;
  /** Why, e.g. `for key "a" is invalid: …`. */
  detail: string;
  part: string;
  /** Index of the offending value, or -1 when the key, operator or value count is at fault. */
  valueIndex: number;
  onKey: boolean;
}

function problemText(p: Problem, where = ''): string {
  return `${p.subject}${where} ${p.detail}`;
}

/**
 * The first thing wrong with a requirement, following apimachinery's `NewRequirement` rules.
 * `shownOperator` is how the operator is named in messages (as written in a selector string).
 */
function requirementProblem(
  key: string,
  operator: string,
  values: readonly string[],
  shownOperator = operator,
): Problem | undefined {
  const keyErrors = validateLabelKey(key);
  if (keyErrors.length > 0) {
    return {
      subject: `label key ${JSON.stringify(key)}`,
      detail: `is invalid: ${keyErrors.join('; ')}`,
      part: key,
      valueIndex: -1,
      onKey: true,
    };
  }
  const count = (detail: string): Problem => ({
    subject: `operator '${shownOperator}'`,
    detail: `on key "${key}" ${detail}`,
    part: operator,
    valueIndex: -1,
    onKey: false,
  });
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) return count('needs at least one value');
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) return count('needs exactly one value');
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) return count('takes no values');
      break;
    case 'gt':
    case 'lt': {
      if (values.length !== 1) return count('needs exactly one value');
      const v = values[0] as string;
      if (parseInt64(v) === undefined) {
        return {
          subject: `value ${JSON.stringify(v)}`,
          detail: `for operator '${shownOperator}' on key "${key}" must be a 64-bit integer`,
          part: v,
          valueIndex: 0,
          onKey: false,
        };
      }
      break;
    }
    default:
      return {
        subject: `operator ${JSON.stringify(operator)}`,
        detail: 'is unknown; expected one of =, ==, !=, in, notin, exists, !, gt, lt',
        part: String(operator),
        valueIndex: -1,
        onKey: false,
      };
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as string;
    const errors = validateLabelValue(v);
    if (errors.length > 0) {
      return {
        subject: `label value ${JSON.stringify(v)}`,
        detail: `for key "${key}" is invalid: ${errors.join('; ')}`,
        part: v,
        valueIndex: i,
        onKey: false,
      };
    }
  }
  return undefined;
}

function normalizedRequirement(
  key: string,
  operator: LabelSelectorOperator,
  values: readonly string[],
): LabelRequirement {
  const sorted = values.length <= 1 ? [...values] : [...new Set(values)].sort();
  return Object.freeze({ key, operator, values: Object.freeze(sorted) });
}

/**
 * Creates a validated requirement (apimachinery's `NewRequirement`): the key must be a valid
 * label key, values valid label values; `in`/`notin` need at least one value, `=`/`==`/`!=`
 * exactly one, `exists`/`!` none, `gt`/`lt` exactly one 64-bit integer.
 *
 * @throws SelectorParseError naming the offending key, operator or value.
 */
export function newLabelRequirement(
  key: string,
  operator: LabelSelectorOperator,
  values: readonly string[] = [],
): LabelRequirement {
  const problem = requirementProblem(key, operator, values);
  if (problem)
    throw new SelectorParseError(`invalid label requirement: ${problemText(problem)}`, '', -1, problem.part);
  return normalizedRequirement(key, operator, values);
}

// Only this module constructs selectors (through this function, set in the class's static
// block), so every selector holds validated, normalized requirements.
let createSelector: (
  requirements: readonly LabelRequirement[],
  matchesNothing: boolean,
) => LabelSelectorMatcher;

function byKey(a: LabelRequirement, b: LabelRequirement): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * A compiled, immutable label selector. Obtain one from {@link parseLabelSelector},
 * {@link labelSelectorFromObject}, {@link labelSelectorFromSet}, {@link everythingLabelSelector}
 * or {@link nothingLabelSelector}. Safe to share between listers and concurrent workers.
 */
export class LabelSelectorMatcher {
  /** The requirements, sorted by key (stable), all of which must hold for a match. */
  readonly requirements: readonly LabelRequirement[];
  /**
   * True only for the "nothing" selector (a null `LabelSelector` object), which matches no
   * labels at all. Its {@link toString} is '' like apimachinery's, which as a query parameter
   * would select *everything*: check this flag before sending a selector to the server.
   */
  readonly matchesNothing: boolean;
  readonly #predicates: readonly Predicate[];
  #text: string | undefined;

  static {
    createSelector = (requirements, matchesNothing) => new LabelSelectorMatcher(requirements, matchesNothing);
  }

  private constructor(requirements: readonly LabelRequirement[], matchesNothing: boolean) {
    this.requirements = Object.freeze([...requirements].sort(byKey));
    this.matchesNothing = matchesNothing;
    this.#predicates = this.requirements.map(compile);
  }

  /** Whether `labels` (absent labels count as an empty map) satisfy every requirement. */
  matches(labels: Labels | null | undefined): boolean {
    if (this.matchesNothing) return false;
    const l = labels ?? EMPTY_LABELS;
    for (const p of this.#predicates) if (!p(l)) return false;
    return true;
  }

  /** Whether an object's `metadata.labels` satisfy the selector. */
  matchesObject(obj: { readonly metadata?: { readonly labels?: Labels } } | null | undefined): boolean {
    return this.matches(obj?.metadata?.labels);
  }

  /** Whether the selector places no restriction (matches every label map). */
  isEverything(): boolean {
    return !this.matchesNothing && this.requirements.length === 0;
  }

  /**
   * The value `key` must have for a match, when the selector pins it to exactly one value (via
   * `=`, `==` or a one-value `in`), else `undefined`. Like apimachinery, only the first
   * requirement on `key` is consulted.
   */
  requiresExactMatch(key: string): string | undefined {
    for (const r of this.requirements) {
      if (r.key !== key) continue;
      if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1)
        return r.values[0];
      return undefined;
    }
    return undefined;
  }

  /** A new selector with `requirements` added (each validated); the nothing selector stays nothing. */
  add(...requirements: LabelRequirement[]): LabelSelectorMatcher {
    if (this.matchesNothing) return this;
    const added = requirements.map((r) => newLabelRequirement(r.key, r.operator, r.values));
    return createSelector([...this.requirements, ...added], false);
  }

  /**
   * The canonical string: requirements sorted by key, values sorted, joined by `,` — the form
   * apimachinery renders and the API server accepts as `labelSelector=`. Parsing it yields an
   * equivalent selector. '' for the everything and nothing selectors (see {@link matchesNothing}).
   */
  toString(): string {
    if (this.#text === undefined) this.#text = this.requirements.map(requirementString).join(',');
    return this.#text;
  }
}

const EVERYTHING = createSelector([], false);
const NOTHING = createSelector([], true);

/** The selector that matches every label map (apimachinery's `labels.Everything()`). */
export function everythingLabelSelector(): LabelSelectorMatcher {
  return EVERYTHING;
}

/** The selector that matches nothing (apimachinery's `labels.Nothing()`); see `matchesNothing`. */
export function nothingLabelSelector(): LabelSelectorMatcher {
  return NOTHING;
}

/**
 * A selector requiring exactly the given labels (apimachinery's `ValidatedSelectorFromSet`);
 * an absent or empty set selects everything.
 *
 * @throws SelectorParseError when a key or value is not a valid label key or value.
 */
export function labelSelectorFromSet(labels: Labels | null | undefined): LabelSelectorMatcher {
  if (!labels) return EVERYTHING;
  const keys = Object.keys(labels);
  if (keys.length === 0) return EVERYTHING;
  return createSelector(
    keys.map((k) => newLabelRequirement(k, '=', [labels[k] as string])),
    false,
  );
}

const OBJECT_OPERATORS: Readonly<Record<string, LabelSelectorOperator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * Converts a `LabelSelector` object (as in `spec.selector`) to a selector, as apimachinery's
 * `metav1.LabelSelectorAsSelector`: `null`/`undefined` selects nothing, an object without
 * `matchLabels` and `matchExpressions` selects everything, otherwise every `matchLabels` entry
 * and every `matchExpressions` entry (`In`, `NotIn`, `Exists`, `DoesNotExist`) must hold.
 *
 * @throws SelectorParseError naming the offending field (e.g. `matchExpressions[1].operator`).
 */
export function labelSelectorFromObject(
  selector: LabelSelectorObject | null | undefined,
): LabelSelectorMatcher {
  if (selector === null || selector === undefined) return NOTHING;
  const requirements: LabelRequirement[] = [];
  const fail = (path: string, message: string): never => {
    throw new SelectorParseError(`invalid label selector: ${path}: ${message}`, '', -1, path);
  };
  const matchLabels = selector.matchLabels ?? {};
  for (const key of Object.keys(matchLabels).sort()) {
    const value = matchLabels[key];
    if (typeof value !== 'string') fail(`matchLabels[${JSON.stringify(key)}]`, 'the value must be a string');
    const problem = requirementProblem(key, '=', [value as string]);
    if (problem) fail(`matchLabels[${JSON.stringify(key)}]`, problemText(problem));
    requirements.push(normalizedRequirement(key, '=', [value as string]));
  }
  const expressions = selector.matchExpressions ?? [];
  for (let i = 0; i < expressions.length; i++) {
    const expr = expressions[i];
    const path = `matchExpressions[${i}]`;
    if (!expr || typeof expr !== 'object') fail(path, 'must be an object');
    const { key, operator } = expr as NonNullable<typeof expr>;
    // A null list (e.g. `values:` left empty in YAML) means no values, as in Go.
    const values = (expr as NonNullable<typeof expr>).values ?? [];
    const op =
      typeof operator === 'string' && Object.hasOwn(OBJECT_OPERATORS, operator)
        ? OBJECT_OPERATORS[operator]
        : undefined;
    if (op === undefined)
      fail(
        `${path}.operator`,
        `${JSON.stringify(operator)} is not a valid label selector operator (In, NotIn, Exists, DoesNotExist)`,
      );
    if (typeof key !== 'string') fail(`${path}.key`, 'must be a string');
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string'))
      fail(`${path}.values`, 'must be an array of strings');
    const problem = requirementProblem(key, op as LabelSelectorOperator, values);
    if (problem) {
      const where = problem.onKey
        ? `${path}.key`
        : problem.valueIndex >= 0
          ? `${path}.values[${problem.valueIndex}]`
          : `${path}.values`;
      fail(where, problemText(problem));
    }
    requirements.push(normalizedRequirement(key, op as LabelSelectorOperator, values));
  }
  if (requirements.length === 0) return EVERYTHING;
  return createSelector(requirements, false);
}

// ---------------------------------------------------------------------------------------------
// String syntax

type TokenKind = 'ident' | 'in' | 'notin' | '!' | '!=' | '=' | '==' | '>' | '<' | '(' | ')' | ',' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
}

function isWhitespace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

// = ! ( ) , > <
function isSpecial(c: number): boolean {
  return c === 61 || c === 33 || c === 40 || c === 41 || c === 44 || c === 62 || c === 60;
}

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  const len = input.length;
  let i = 0;
  while (i < len) {
    const c = input.charCodeAt(i);
    if (isWhitespace(c)) {
      i++;
      continue;
    }
    if (isSpecial(c)) {
      // "!=" and "==" are the only two-character operators; everything else is one character.
      if ((c === 33 || c === 61) && input.charCodeAt(i + 1) === 61) {
        tokens.push({ kind: c === 33 ? '!=' : '==', text: input.slice(i, i + 2), pos: i });
        i += 2;
      } else {
        const text = input[i] as string;
        tokens.push({ kind: text as TokenKind, text, pos: i });
        i++;
      }
      continue;
    }
    const start = i;
    while (i < len) {
      const d = input.charCodeAt(i);
      if (isWhitespace(d) || isSpecial(d)) break;
      i++;
    }
    const text = input.slice(start, i);
    tokens.push({ kind: text === 'in' ? 'in' : text === 'notin' ? 'notin' : 'ident', text, pos: start });
  }
  tokens.push({ kind: 'end', text: '', pos: len });
  return tokens;
}

const OPERATOR_TOKENS: Partial<Record<TokenKind, LabelSelectorOperator>> = {
  in: 'in',
  notin: 'notin',
  '=': '=',
  '==': '==',
  '!=': '!=',
  '>': 'gt',
  '<': 'lt',
};

class Parser {
  private i = 0;
  constructor(
    private readonly input: string,
    private readonly tokens: Token[],
  ) {}

  /** The current token. Outside operator position, `in` and `notin` are ordinary words. */
  private peek(asOperator = false): Token {
    const t = this.tokens[this.i] as Token;
    if (!asOperator && (t.kind === 'in' || t.kind === 'notin')) return { ...t, kind: 'ident' };
    return t;
  }

  private next(asOperator = false): Token {
    const t = this.peek(asOperator);
    this.i++;
    return t;
  }

  private fail(pos: number, part: string, message: string): never {
    const shown =
      this.input.length > 200 ? `${JSON.stringify(this.input.slice(0, 200))}…` : JSON.stringify(this.input);
    throw new SelectorParseError(`invalid label selector ${shown}: ${message}`, this.input, pos, part);
  }

  private unexpected(t: Token, expected: string): never {
    const found = t.kind === 'end' ? 'end of selector' : `'${t.text}'`;
    this.fail(t.pos, t.text, `expected ${expected} but found ${found} at position ${t.pos}`);
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    if (this.peek().kind === 'end') return requirements;
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'ident' && t.kind !== '!') {
        this.unexpected(t, requirements.length === 0 ? "a label key or '!'" : "a label key or '!' after ','");
      }
      requirements.push(this.requirement());
      const after = this.next();
      if (after.kind === 'end') return requirements;
      if (after.kind !== ',') this.unexpected(after, "',' or end of selector");
    }
  }

  private requirement(): LabelRequirement {
    let first = this.next();
    const negated = first.kind === '!';
    if (negated) first = this.next();
    if (first.kind !== 'ident') this.unexpected(first, negated ? "a label key after '!'" : 'a label key');
    const key = first.text;
    const keyErrors = validateLabelKey(key);
    if (keyErrors.length > 0) {
      this.fail(
        first.pos,
        key,
        `label key ${JSON.stringify(key)} at position ${first.pos} is invalid: ${keyErrors.join('; ')}`,
      );
    }
    if (negated) return normalizedRequirement(key, '!', []);
    const look = this.peek().kind;
    if (look === 'end' || look === ',') return normalizedRequirement(key, 'exists', []);

    const opToken = this.next(true);
    const operator = OPERATOR_TOKENS[opToken.kind];
    if (operator === undefined) {
      this.unexpected(opToken, `an operator (=, ==, !=, in, notin, >, <) after key "${key}"`);
    }
    const values =
      operator === 'in' || operator === 'notin' ? this.valueList(opToken) : [this.exactValue(opToken)];
    const texts = values.map((v) => v.text);
    const problem = requirementProblem(key, operator, texts, opToken.text);
    if (problem) {
      const at = problem.valueIndex >= 0 ? (values[problem.valueIndex] as Token).pos : opToken.pos;
      this.fail(at, problem.part, problemText(problem, ` at position ${at}`));
    }
    return normalizedRequirement(key, operator, texts);
  }

  /** `( item , item ... )` where an item is a value or nothing (an empty value). */
  private valueList(op: Token): Token[] {
    const open = this.next();
    if (open.kind !== '(') this.unexpected(open, `'(' after '${op.text}'`);
    const values: Token[] = [];
    for (;;) {
      let t = this.peek();
      const hadValue = t.kind === 'ident';
      if (hadValue) {
        values.push(this.next());
        t = this.peek();
      } else {
        values.push({ kind: 'ident', text: '', pos: t.pos });
      }
      this.i++;
      if (t.kind === ',') continue;
      if (t.kind === ')') return values;
      this.unexpected(t, hadValue ? "',' or ')'" : "a value, ',' or ')'");
    }
  }

  /** The single value after `=`, `==`, `!=`, `>` or `<`; empty when the requirement ends there. */
  private exactValue(op: Token): Token {
    const t = this.peek();
    if (t.kind === 'end' || t.kind === ',') return { kind: 'ident', text: '', pos: t.pos };
    if (t.kind !== 'ident') this.unexpected(t, `a value after '${op.text}'`);
    return this.next();
  }
}

/**
 * Parses a label selector string (apimachinery's `labels.Parse`):
 *
 * ```text
 * selector    := requirement ( "," requirement )*      (or nothing: selects everything)
 * requirement := "!" KEY | KEY | KEY op VALUE | KEY ("in" | "notin") "(" [VALUE] ("," [VALUE])* ")"
 * op          := "=" | "==" | "!=" | ">" | "<"
 * ```
 *
 * Whitespace (space, tab, CR, LF) may surround tokens. Keys must be valid label keys, values
 * valid label values (possibly empty: `a=` and `a in (,b)` are legal); `>`/`<` need an integer.
 * Requirements are sorted by key, so equal selectors render equally.
 *
 * @throws SelectorParseError naming the offending token and its position.
 */
export function parseLabelSelector(selector: string): LabelSelectorMatcher {
  if (typeof selector !== 'string') {
    throw new SelectorParseError(
      `invalid label selector: expected a string, got ${typeof selector}`,
      '',
      -1,
      '',
    );
  }
  const requirements = new Parser(selector, lex(selector)).parse();
  if (requirements.length === 0) return EVERYTHING;
  return createSelector(requirements, false);
}
