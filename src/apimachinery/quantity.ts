/**
 * Kubernetes resource quantities (`500m`, `1.5Gi`, `2e3`) with exact arithmetic.
 *
 * Semantics follow apimachinery's `resource.Quantity`: the same grammar, the same rounding (any
 * non-zero amount finer than a nano-unit rounds *up*, away from zero, because asking for some
 * resource should never yield none), the same format memory (a quantity remembers whether it
 * was written with a binary suffix, a decimal suffix or a decimal exponent) and the same
 * canonical string form. Since every parsed quantity is a whole number of nano-units, the
 * value is held as one bigint count of nano-units: addition, subtraction, comparison and integer
 * multiplication are exact at any magnitude, with no int64 overflow and no floating point.
 */

/** How a quantity is rendered: `12Mi` (BinarySI), `12M` (DecimalSI) or `12e6` (DecimalExponent). */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/**
 * Thrown when a string is not a valid quantity. `input` is the offending string and `position`
 * the offset of the first character that could not be accepted (its length when the string
 * ended too early, -1 when the whole value is at fault, e.g. it is too large).
 */
export class QuantityParseError extends Error {
  override name = 'QuantityParseError';
  constructor(
    message: string,
    readonly input: string,
    readonly position: number,
  ) {
    super(message);
  }
}

/**
 * Longest accepted quantity string. No quantity anyone writes comes near it; the bound keeps
 * hostile input (a megabyte of digits) from costing more than a linear scan.
 */
export const MAX_QUANTITY_STRING_LENGTH = 1024;

/**
 * Quantities of 10^1000 or more are rejected: apimachinery has no bound, but without one a
 * short string such as `1e999999999` would make every later addition allocate a bigint of a
 * billion digits.
 */
export const MAX_QUANTITY_DECIMAL_EXPONENT = 1000;

const NANO = 1_000_000_000n;
const BIN_LIMIT = 1024n * NANO;

// Decimal SI suffix → power of ten, and the reverse table used for rendering.
const DECIMAL_SUFFIX_EXPONENT: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const EXPONENT_DECIMAL_SUFFIX = new Map<number, string>(
  Object.entries(DECIMAL_SUFFIX_EXPONENT).map(([suffix, exp]) => [exp, suffix]),
);
// Binary suffix → power of two.
const BINARY_SUFFIX_EXPONENT: Readonly<Record<string, number>> = {
  Ki: 10,
  Mi: 20,
  Gi: 30,
  Ti: 40,
  Pi: 50,
  Ei: 60,
};
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;

const POW10_CACHE: bigint[] = [];
function pow10(n: number): bigint {
  if (n < 64) {
    let cached = POW10_CACHE[n];
    if (cached === undefined) {
      cached = 10n ** BigInt(n);
      POW10_CACHE[n] = cached;
    }
    return cached;
  }
  return 10n ** BigInt(n);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function stripLeadingZeros(s: string): string {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) === 48) i++;
  return i === 0 ? s : s.slice(i);
}

function stripTrailingZeros(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 48) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** Divides rounding the magnitude up (away from zero), as apimachinery does everywhere. */
function divRoundAway(n: bigint, d: bigint): bigint {
  const q = n / d;
  if (q * d === n) return q;
  return n < 0n ? q - 1n : q + 1n;
}

function toBigIntInteger(value: bigint | number, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new RangeError(`${what} must be a bigint or a safe integer, got ${String(value)}`);
  }
  return BigInt(value);
}

function checkFormat(format: QuantityFormat): QuantityFormat {
  if (format !== 'DecimalSI' && format !== 'BinarySI' && format !== 'DecimalExponent') {
    throw new TypeError(`unknown quantity format ${JSON.stringify(format)}`);
  }
  return format;
}

// Set in Quantity's static block: lets the parser below build instances without a public constructor.
let createQuantity: (nanos: bigint, format: QuantityFormat) => Quantity;

/**
 * An immutable resource quantity. Create one with {@link Quantity.parse} (or
 * {@link parseQuantity}), {@link Quantity.fromValue}, {@link Quantity.fromMilliValue} or
 * {@link Quantity.fromScaledValue}. Every operation returns a new Quantity.
 *
 * `JSON.stringify` emits the canonical string, so a Quantity can be placed directly into an
 * object sent to the API server.
 */
export class Quantity {
  /** The value as a whole number of nano-units (10^-9). */
  readonly #nanos: bigint;
  /** The format this quantity is rendered in; see {@link QuantityFormat}. */
  readonly format: QuantityFormat;
  /** The canonical string, computed on first use (the value never changes). */
  #text: string | undefined;

  static {
    createQuantity = (nanos, format) => new Quantity(nanos, format);
  }

  private constructor(nanos: bigint, format: QuantityFormat) {
    this.#nanos = nanos;
    this.format = format;
  }

  /**
   * Parses a quantity string in the Kubernetes grammar: an optional sign, digits with an
   * optional decimal point (`1`, `1.5`, `.5`, `1.`), then an optional suffix — a binary SI suffix
   * (`Ki` `Mi` `Gi` `Ti` `Pi` `Ei`), a decimal SI suffix (`n` `u` `m` `k` `M` `G` `T` `P` `E`) or a
   * decimal exponent (`e3`, `E-3`, `e+6`). Amounts finer than 1n are rounded up (away from zero)
   * to 1n. No whitespace is allowed.
   *
   * @throws QuantityParseError for anything else, naming the offending part and position.
   */
  static parse(input: string): Quantity {
    return parseQuantityString(input);
  }

  /** Like {@link Quantity.parse} but returns `undefined` instead of throwing. */
  static tryParse(input: string): Quantity | undefined {
    try {
      return parseQuantityString(input);
    } catch (err) {
      if (err instanceof QuantityParseError) return undefined;
      throw err;
    }
  }

  /** A quantity of exactly `value` units (apimachinery's `NewQuantity`). */
  static fromValue(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(toBigIntInteger(value, 'value') * NANO, checkFormat(format));
  }

  /** A quantity of `value` thousandths (apimachinery's `NewMilliQuantity`). */
  static fromMilliValue(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(toBigIntInteger(value, 'value') * 1_000_000n, checkFormat(format));
  }

  /**
   * A DecimalSI quantity of `value × 10^scale` (apimachinery's `NewScaledQuantity`); a scale
   * below -9 rounds the result up to whole nano-units like parsing does.
   */
  static fromScaledValue(value: bigint | number, scale: number): Quantity {
    const v = toBigIntInteger(value, 'value');
    if (!Number.isSafeInteger(scale)) throw new RangeError(`scale must be an integer, got ${scale}`);
    const shift = scale + 9;
    if (shift >= 0) {
      if (shift > MAX_QUANTITY_DECIMAL_EXPONENT + 9) throw new RangeError(`scale ${scale} is too large`);
      return new Quantity(v * pow10(shift), 'DecimalSI');
    }
    if (v === 0n) return new Quantity(0n, 'DecimalSI');
    // Anything smaller than one nano-unit rounds to ±1n; avoid building 10^huge to learn that.
    if (-shift > v.toString().length + 1) return new Quantity(v < 0n ? -1n : 1n, 'DecimalSI');
    return new Quantity(divRoundAway(v, pow10(-shift)), 'DecimalSI');
  }

  /** Zero, in the given format. */
  static zero(format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(0n, checkFormat(format));
  }

  /** `this + other`. The result keeps this quantity's format, or `other`'s if this one is zero. */
  add(other: Quantity): Quantity {
    return new Quantity(this.#nanos + other.#nanos, this.#nanos === 0n ? other.format : this.format);
  }

  /** `this - other`. The result keeps this quantity's format, or `other`'s if this one is zero. */
  sub(other: Quantity): Quantity {
    return new Quantity(this.#nanos - other.#nanos, this.#nanos === 0n ? other.format : this.format);
  }

  /** `this × factor` for an integer factor; exact, same format. */
  mul(factor: bigint | number): Quantity {
    return new Quantity(this.#nanos * toBigIntInteger(factor, 'factor'), this.format);
  }

  /** `-this`, same format. */
  neg(): Quantity {
    return new Quantity(-this.#nanos, this.format);
  }

  /** The same value rendered in another format. */
  withFormat(format: QuantityFormat): Quantity {
    return format === this.format ? this : new Quantity(this.#nanos, checkFormat(format));
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `other`; formats are ignored. */
  cmp(other: Quantity): -1 | 0 | 1 {
    const a = this.#nanos;
    const b = other.#nanos;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** Whether both quantities have the same value (`1Ki` equals `1024`); formats are ignored. */
  equal(other: Quantity): boolean {
    return this.#nanos === other.#nanos;
  }

  /** Whether the value is zero. */
  isZero(): boolean {
    return this.#nanos === 0n;
  }

  /** -1, 0 or 1 by the sign of the value. */
  sign(): -1 | 0 | 1 {
    return this.#nanos < 0n ? -1 : this.#nanos > 0n ? 1 : 0;
  }

  /**
   * The value in whole units, rounded up away from zero (`1.2` → 2, `-1.2` → -2), exactly as
   * apimachinery's `Value()` but never overflowing.
   */
  value(): bigint {
    return divRoundAway(this.#nanos, NANO);
  }

  /** The value in thousandths, rounded up away from zero (apimachinery's `MilliValue()`). */
  milliValue(): bigint {
    return divRoundAway(this.#nanos, 1_000_000n);
  }

  /**
   * The value in units of `10^scale`, rounded up away from zero: `scaledValue(0)` is
   * {@link value}, `scaledValue(-3)` is {@link milliValue}, `scaledValue(-9)` is exact.
   */
  scaledValue(scale: number): bigint {
    if (!Number.isSafeInteger(scale)) throw new RangeError(`scale must be an integer, got ${scale}`);
    const shift = scale + 9;
    if (shift <= 0) return this.#nanos * pow10(-shift);
    if (this.#nanos === 0n) return 0n;
    if (shift > this.#nanos.toString().length + 1) return this.#nanos < 0n ? -1n : 1n;
    return divRoundAway(this.#nanos, pow10(shift));
  }

  /** A float approximation of the value, for display or heuristics only (not for accounting). */
  asApproximateFloat64(): number {
    const whole = this.#nanos / NANO;
    const frac = this.#nanos - whole * NANO;
    return Number(whole) + Number(frac) / 1e9;
  }

  /**
   * The canonical string, as apimachinery would serialize it: no fractional digits, the largest
   * suffix that loses no precision, and the remembered format — except that a BinarySI value
   * that is below 1024 in magnitude or not a whole number is shown as DecimalSI, and a DecimalSI
   * value beyond the `E` suffix falls back to an exponent (`1e21`). Examples: `1000m` → `1`,
   * `1.5` → `1500m`, `1.5Gi` → `1536Mi`, `1024Mi` → `1Gi`, `0.5` → `500m`, `12e6` → `12e6`.
   */
  toString(): string {
    if (this.#text === undefined) this.#text = this.#render();
    return this.#text;
  }

  #render(): string {
    const nanos = this.#nanos;
    if (nanos === 0n) return '0';
    const negative = nanos < 0n;
    const magnitude = negative ? -nanos : nanos;
    let format = this.format;
    if (format === 'BinarySI' && (magnitude < BIN_LIMIT || magnitude % NANO !== 0n)) format = 'DecimalSI';
    const body = format === 'BinarySI' ? renderBinary(magnitude / NANO) : renderDecimal(magnitude, format);
    return negative ? `-${body}` : body;
  }

  /** The canonical string; lets `JSON.stringify` serialize a Quantity like the API expects. */
  toJSON(): string {
    return this.toString();
  }
}

function renderBinary(units: bigint): string {
  // Stop at Ei: apimachinery has no larger binary suffix (its own renderer drops the suffix
  // there, silently shrinking the value; a large count of Ei keeps it exact).
  let power = 0;
  while (power < 6 && (units & 1023n) === 0n) {
    units >>= 10n;
    power++;
  }
  return `${units}${BINARY_SUFFIXES[power]}`;
}

function renderDecimal(magnitude: bigint, format: QuantityFormat): string {
  // mantissa × 10^exponent with the mantissa stripped of trailing zeros, then the exponent
  // lowered to a multiple of three so that it maps onto an SI suffix.
  const digits = magnitude.toString();
  const mantissa = stripTrailingZeros(digits);
  let exponent = -9 + (digits.length - mantissa.length);
  const over = ((exponent % 3) + 3) % 3;
  exponent -= over;
  const number = over === 0 ? mantissa : mantissa + (over === 1 ? '0' : '00');
  if (format === 'DecimalSI') {
    const suffix = EXPONENT_DECIMAL_SUFFIX.get(exponent);
    if (suffix !== undefined) return number + suffix;
  }
  return exponent === 0 ? number : `${number}e${exponent}`;
}

function fail(input: string, position: number, why: string): never {
  throw new QuantityParseError(`invalid quantity ${JSON.stringify(input)}: ${why}`, input, position);
}

/**
 * Parses a quantity string; the same as {@link Quantity.parse}.
 *
 * @throws QuantityParseError when `input` is not a valid quantity.
 */
export function parseQuantity(input: string): Quantity {
  return parseQuantityString(input);
}

function parseQuantityString(input: string): Quantity {
  if (typeof input !== 'string') {
    throw new QuantityParseError(
      `invalid quantity: expected a string, got ${typeof input}`,
      String(input),
      -1,
    );
  }
  const len = input.length;
  if (len === 0) fail(input, 0, 'the string is empty');
  if (len > MAX_QUANTITY_STRING_LENGTH) {
    fail(`${input.slice(0, 40)}…`, -1, `longer than ${MAX_QUANTITY_STRING_LENGTH} characters`);
  }

  let pos = 0;
  let negative = false;
  const first = input.charCodeAt(0);
  if (first === 45 /* - */ || first === 43 /* + */) {
    negative = first === 45;
    pos = 1;
  }
  const intStart = pos;
  while (pos < len && isDigit(input.charCodeAt(pos))) pos++;
  const intDigits = input.slice(intStart, pos);
  let fracDigits = '';
  if (pos < len && input.charCodeAt(pos) === 46 /* . */) {
    pos++;
    const fracStart = pos;
    while (pos < len && isDigit(input.charCodeAt(pos))) pos++;
    fracDigits = input.slice(fracStart, pos);
  }
  // apimachinery reads a number without digits ("", "-", ".", "Gi") as zero; that is almost
  // always a typo, so kubekit rejects it.
  if (intDigits.length === 0 && fracDigits.length === 0) {
    fail(input, intStart, `expected a number at position ${intStart}`);
  }

  const suffixStart = pos;
  const suffix = input.slice(suffixStart);
  let base: 2 | 10;
  let exponent: number;
  let format: QuantityFormat;
  const decimal = DECIMAL_SUFFIX_EXPONENT[suffix];
  const binary = BINARY_SUFFIX_EXPONENT[suffix];
  if (decimal !== undefined && Object.hasOwn(DECIMAL_SUFFIX_EXPONENT, suffix)) {
    base = 10;
    exponent = decimal;
    format = 'DecimalSI';
  } else if (binary !== undefined && Object.hasOwn(BINARY_SUFFIX_EXPONENT, suffix)) {
    base = 2;
    exponent = binary;
    format = 'BinarySI';
  } else {
    exponent = parseExponentSuffix(input, suffixStart);
    base = 10;
    format = 'DecimalExponent';
  }

  // Trailing fractional zeros and leading zeros carry no value; dropping them keeps the
  // arithmetic below proportional to the significant digits.
  fracDigits = stripTrailingZeros(fracDigits);
  const significant = stripLeadingZeros(intDigits + fracDigits);
  if (significant.length === 0) return createQuantity(0n, format);

  let nanos: bigint;
  if (base === 10) {
    nanos = decimalToNanos(input, significant, exponent - fracDigits.length);
  } else {
    // significant × 2^exponent / 10^fracLen, in nano-units, rounded up. 2^exponent is below
    // 10^(0.302 × exponent), which bounds the magnitude the same way as for decimal suffixes.
    if (
      significant.length - fracDigits.length + Math.ceil(exponent * 0.302) >
      MAX_QUANTITY_DECIMAL_EXPONENT
    ) {
      fail(input, -1, `the value must be below 10^${MAX_QUANTITY_DECIMAL_EXPONENT}`);
    }
    const scaled = BigInt(significant) << BigInt(exponent);
    const shift = 9 - fracDigits.length;
    nanos = shift >= 0 ? scaled * pow10(shift) : divRoundAway(scaled, pow10(-shift));
    // A binary amount below one unit has no binary rendering; apimachinery switches it to
    // DecimalSI at parse time, which also decides the format of sums that start from it.
    if (nanos < NANO) format = 'DecimalSI';
  }
  return createQuantity(negative ? -nanos : nanos, format);
}

/** `significant × 10^exponent` in nano-units, rounded up; `significant` has no leading zeros. */
function decimalToNanos(input: string, significant: string, exponent: number): bigint {
  // Order of magnitude of the value: it is below 10^(digits + exponent).
  if (significant.length + exponent > MAX_QUANTITY_DECIMAL_EXPONENT) {
    fail(input, -1, `the value must be below 10^${MAX_QUANTITY_DECIMAL_EXPONENT}`);
  }
  const shift = exponent + 9;
  if (shift >= 0) return BigInt(significant) * pow10(shift);
  const drop = -shift;
  // Everything is below one nano-unit: the smallest non-zero amount is 1n.
  if (drop >= significant.length) return 1n;
  const keep = significant.slice(0, significant.length - drop);
  const rest = significant.slice(significant.length - drop);
  const roundUp = stripTrailingZeros(rest).length > 0;
  return BigInt(keep) + (roundUp ? 1n : 0n);
}

/** Reads `e<int>` / `E<int>` at `start`, or fails naming the suffix. */
function parseExponentSuffix(input: string, start: number): number {
  const len = input.length;
  const marker = input.charCodeAt(start);
  if (start >= len || (marker !== 101 /* e */ && marker !== 69) /* E */) {
    fail(input, start, `unknown suffix ${JSON.stringify(input.slice(start))} at position ${start}`);
  }
  let pos = start + 1;
  let negative = false;
  const sign = input.charCodeAt(pos);
  if (sign === 45 || sign === 43) {
    negative = sign === 45;
    pos++;
  }
  const digitsStart = pos;
  while (pos < len && isDigit(input.charCodeAt(pos))) pos++;
  if (pos === digitsStart) {
    fail(
      input,
      pos,
      `expected exponent digits at position ${pos} in suffix ${JSON.stringify(input.slice(start))}`,
    );
  }
  if (pos < len) {
    fail(input, pos, `unexpected ${JSON.stringify(input[pos])} at position ${pos}`);
  }
  const digits = stripLeadingZeros(input.slice(digitsStart, pos));
  // Exponents too long to be exact as a Number are far beyond any bound checked later; keep
  // their sign and an out-of-range size so that those checks decide.
  const magnitude = digits.length > 15 ? Number.MAX_SAFE_INTEGER : Number(digits || '0');
  return negative ? -magnitude : magnitude;
}
