import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_QUANTITY_STRING_LENGTH,
  parseQuantity,
  Quantity,
  type QuantityFormat,
  QuantityParseError,
} from '../../../src/apimachinery/index.js';

/** `mantissa × 10^exponent` in the given format, like apimachinery's test helper decQuantity. */
function dec(mantissa: bigint | number, exponent: number, format: QuantityFormat = 'DecimalSI'): Quantity {
  return Quantity.fromScaledValue(mantissa, exponent).withFormat(format);
}

/** The exact value in nano-units. */
function nanos(q: Quantity): bigint {
  return q.scaledValue(-9);
}

function parseError(input: string): QuantityParseError {
  try {
    parseQuantity(input);
  } catch (err) {
    expect(err).toBeInstanceOf(QuantityParseError);
    return err as QuantityParseError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('Quantity.parse: values and formats', () => {
  // [input, mantissa, exponent, format]: the parsed value must equal mantissa × 10^exponent.
  const table: [string, bigint | number, number, QuantityFormat][] = [
    ['0', 0, 0, 'DecimalSI'],
    ['0n', 0, 0, 'DecimalSI'],
    ['0u', 0, 0, 'DecimalSI'],
    ['0m', 0, 0, 'DecimalSI'],
    ['0Ki', 0, 0, 'BinarySI'],
    ['0k', 0, 0, 'DecimalSI'],
    ['0Mi', 0, 0, 'BinarySI'],
    ['0M', 0, 0, 'DecimalSI'],
    ['0Gi', 0, 0, 'BinarySI'],
    ['0G', 0, 0, 'DecimalSI'],
    ['0Ti', 0, 0, 'BinarySI'],
    ['0T', 0, 0, 'DecimalSI'],
    ['1', 1, 0, 'DecimalSI'],
    ['1Ki', 1024, 0, 'BinarySI'],
    ['8Ki', 8 * 1024, 0, 'BinarySI'],
    ['7Mi', 7 * 1024 ** 2, 0, 'BinarySI'],
    ['6Gi', 6 * 1024 ** 3, 0, 'BinarySI'],
    ['5Ti', 5 * 1024 ** 4, 0, 'BinarySI'],
    ['4Pi', 4 * 1024 ** 5, 0, 'BinarySI'],
    ['3Ei', 3n * 1024n ** 6n, 0, 'BinarySI'],
    ['10Ti', 10 * 1024 ** 4, 0, 'BinarySI'],
    ['100Ti', 100 * 1024 ** 4, 0, 'BinarySI'],
    ['5n', 5, -9, 'DecimalSI'],
    ['4u', 4, -6, 'DecimalSI'],
    ['3m', 3, -3, 'DecimalSI'],
    ['9', 9, 0, 'DecimalSI'],
    ['8k', 8, 3, 'DecimalSI'],
    ['50k', 5, 4, 'DecimalSI'],
    ['7M', 7, 6, 'DecimalSI'],
    ['6G', 6, 9, 'DecimalSI'],
    ['5T', 5, 12, 'DecimalSI'],
    ['40T', 4, 13, 'DecimalSI'],
    ['300T', 3, 14, 'DecimalSI'],
    ['2P', 2, 15, 'DecimalSI'],
    ['1E', 1, 18, 'DecimalSI'],
    ['1E-3', 1, -3, 'DecimalExponent'],
    ['1e3', 1, 3, 'DecimalExponent'],
    ['1E6', 1, 6, 'DecimalExponent'],
    ['1e9', 1, 9, 'DecimalExponent'],
    ['1E12', 1, 12, 'DecimalExponent'],
    ['1e15', 1, 15, 'DecimalExponent'],
    ['1E18', 1, 18, 'DecimalExponent'],
    ['1e14', 1, 14, 'DecimalExponent'],
    ['1e13', 1, 13, 'DecimalExponent'],
    ['100.035k', 100035, 0, 'DecimalSI'],
    ['0.001', 1, -3, 'DecimalSI'],
    ['0.0005k', 5, -1, 'DecimalSI'],
    ['0.005', 5, -3, 'DecimalSI'],
    ['0.05', 5, -2, 'DecimalSI'],
    ['0.5', 5, -1, 'DecimalSI'],
    ['0.00050k', 5, -1, 'DecimalSI'],
    ['0.00500', 5, -3, 'DecimalSI'],
    ['0.05000', 5, -2, 'DecimalSI'],
    ['0.50000', 5, -1, 'DecimalSI'],
    ['0.5e0', 5, -1, 'DecimalExponent'],
    ['0.5e-1', 5, -2, 'DecimalExponent'],
    ['0.5e-2', 5, -3, 'DecimalExponent'],
    ['10.035M', 10035, 3, 'DecimalSI'],
    ['1.2e3', 12, 2, 'DecimalExponent'],
    ['1.3E+6', 13, 5, 'DecimalExponent'],
    ['1.40e9', 14, 8, 'DecimalExponent'],
    ['1.53E12', 153, 10, 'DecimalExponent'],
    ['1.6e15', 16, 14, 'DecimalExponent'],
    ['1.7E18', 17, 17, 'DecimalExponent'],
    ['9.01', 901, -2, 'DecimalSI'],
    ['8.1k', 81, 2, 'DecimalSI'],
    ['7.123456M', 7123456, 0, 'DecimalSI'],
    ['6.987654321G', 6987654321, 0, 'DecimalSI'],
    ['5.444T', 5444, 9, 'DecimalSI'],
    ['40.1T', 401, 11, 'DecimalSI'],
    ['300.2T', 3002, 11, 'DecimalSI'],
    ['2.5P', 25, 14, 'DecimalSI'],
    ['1.01E', 101, 16, 'DecimalSI'],
    // Amounts finer than 1n round up.
    ['3.001n', 4, -9, 'DecimalSI'],
    ['1.1E-9', 2, -9, 'DecimalExponent'],
    ['0.0000000001', 1, -9, 'DecimalSI'],
    ['0.0000000005', 1, -9, 'DecimalSI'],
    ['0.00000000050', 1, -9, 'DecimalSI'],
    ['0.5e-9', 1, -9, 'DecimalExponent'],
    ['0.9n', 1, -9, 'DecimalSI'],
    ['0.00000012345', 124, -9, 'DecimalSI'],
    ['0.00000012354', 124, -9, 'DecimalSI'],
    ['12E', 12, 18, 'DecimalSI'],
    // Fractional binary amounts.
    ['100.035Ki', 10243584, -2, 'BinarySI'],
    ['0.5Mi', 512 * 1024, 0, 'BinarySI'],
    ['0.05Gi', 536870912, -1, 'BinarySI'],
    ['0.025Ti', 274877906944, -1, 'BinarySI'],
    // A binary amount below one unit switches to DecimalSI.
    ['0.000000000001Ki', 2, -9, 'DecimalSI'],
    ['.001', 1, -3, 'DecimalSI'],
    ['.0001k', 100, -3, 'DecimalSI'],
    ['1.', 1, 0, 'DecimalSI'],
    ['1.G', 1, 9, 'DecimalSI'],
  ];

  for (const [input, mantissa, exponent, format] of table) {
    it(`${input} = ${mantissa}e${exponent} (${format})`, () => {
      const expected = nanos(dec(mantissa, exponent));
      for (const [prefix, sign] of [
        ['', 1n],
        ['+', 1n],
        ['-', -1n],
      ] as const) {
        const q = Quantity.parse(prefix + input);
        expect(nanos(q)).toBe(expected * sign);
        expect(q.format).toBe(format);
      }
    });
  }
});

describe('Quantity canonical string', () => {
  // [quantity, canonical, an alternate spelling that must canonicalize to the same string]
  const table: [Quantity, string, string][] = [
    [dec(1024 ** 3, 0, 'BinarySI'), '1Gi', '1024Mi'],
    [dec(300 * 1024 ** 2, 0, 'BinarySI'), '300Mi', '307200Ki'],
    [dec(6 * 1024, 0, 'BinarySI'), '6Ki', ''],
    [dec(1001 * 1024 ** 3, 0, 'BinarySI'), '1001Gi', '1025024Mi'],
    [dec(1024 ** 4, 0, 'BinarySI'), '1Ti', '1024Gi'],
    [dec(5, 0, 'BinarySI'), '5', '5000m'],
    // Below 1024 a binary quantity is shown as DecimalSI (1000 is not "1000" but "1k").
    [dec(1000, 0, 'BinarySI'), '1k', ''],
    [dec(1024, 0, 'BinarySI'), '1Ki', '1.0Ki'],
    [dec(500, -3, 'BinarySI'), '500m', '0.5'],
    [dec(1, 9), '1G', '1000M'],
    [dec(1000, 6), '1G', '0.001T'],
    [dec(1000000, 3), '1G', ''],
    [dec(1000000000, 0), '1G', ''],
    [dec(1, -3), '1m', '1000u'],
    [dec(80, -3), '80m', ''],
    [dec(1080, -3), '1080m', '1.08'],
    [dec(108, -2), '1080m', '1080000000n'],
    [dec(10800, -4), '1080m', ''],
    [dec(300, 6), '300M', ''],
    [dec(1, 12), '1T', ''],
    [dec(1, 18), '1E', ''],
    // DecimalSI has no suffix beyond E: fall back to an exponent rather than lose magnitude.
    [dec(1, 21), '1e21', '1000E'],
    [dec(5, 21), '5e21', '5000E'],
    [dec(1, 24), '1e24', '1000000E'],
    [dec(1234567, 6), '1234567M', ''],
    [dec(1234567, -3, 'BinarySI'), '1234567m', ''],
    [dec(3, 3), '3k', ''],
    [dec(1025, 0, 'BinarySI'), '1025', ''],
    [dec(0, 0), '0', ''],
    [dec(0, 0, 'BinarySI'), '0', ''],
    [dec(1, 9, 'DecimalExponent'), '1e9', '.001e12'],
    [dec(1, -3, 'DecimalExponent'), '1e-3', '0.001e0'],
    [dec(1, -9, 'DecimalExponent'), '1e-9', '1000e-12'],
    [dec(80, -3, 'DecimalExponent'), '80e-3', ''],
    [dec(300, 6, 'DecimalExponent'), '300e6', ''],
    [dec(1, 12, 'DecimalExponent'), '1e12', ''],
    [dec(1, 3, 'DecimalExponent'), '1e3', ''],
    [dec(3, 3, 'DecimalExponent'), '3e3', ''],
    [dec(0, 0, 'DecimalExponent'), '0', '00'],
    [dec(1, -9), '1n', ''],
    [dec(80, -9), '80n', ''],
    [dec(1080, -9), '1080n', ''],
    [dec(108, -8), '1080n', ''],
    [dec(10800, -10), '1080n', ''],
    [dec(1, -6), '1u', ''],
    [dec(80, -6), '80u', ''],
    [dec(1080, -6), '1080u', ''],
  ];

  for (const [q, canonical, alternate] of table) {
    it(`renders ${canonical}`, () => {
      expect(q.toString()).toBe(canonical);
      const reparsed = Quantity.parse(canonical);
      expect(reparsed.equal(q)).toBe(true);
      expect(reparsed.toString()).toBe(canonical);
      if (alternate) expect(Quantity.parse(alternate).toString()).toBe(canonical);
      if (!q.isZero()) expect(q.neg().toString()).toBe(`-${canonical}`);
    });
  }

  const pairs: [string, string][] = [
    ['1Ki', '1Ki'],
    ['1Mi', '1Mi'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1000M', '1G'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
    ['1000m', '1'],
    ['1536Mi', '1536Mi'],
    ['1.5Gi', '1536Mi'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['500m', '500m'],
    ['2e3', '2e3'],
    ['2000e0', '2e3'],
    ['1.2e3', '1200'],
    ['1.3E+6', '1300e3'],
    ['1E-3', '1e-3'],
    ['1.500', '1500m'],
    ['+1', '1'],
    ['-0', '0'],
    ['0.0', '0'],
    ['-0Mi', '0'],
    ['1024', '1024'],
    ['1024k', '1024k'],
    ['1000k', '1M'],
    ['100.035Ki', '102435840m'],
    ['1Ei', '1Ei'],
    ['1024Pi', '1Ei'],
    ['8Ei', '8Ei'],
    ['9Ei', '9Ei'],
    ['0.1Ki', '102400m'],
    ['1023', '1023'],
    ['2048', '2048'],
    ['2Ki', '2Ki'],
    ['1.5Ki', '1536'],
    ['001.100', '1100m'],
    ['.5', '500m'],
    ['12e6', '12e6'],
    ['123456789012345678901234567890', '123456789012345678901234567890'],
    ['123456789012345678901234567890m', '123456789012345678901234567890m'],
  ];
  for (const [input, canonical] of pairs) {
    it(`${input} → ${canonical}`, () => {
      expect(Quantity.parse(input).toString()).toBe(canonical);
      if (canonical !== '0')
        expect(Quantity.parse(`-${input.replace(/^[+-]/, '')}`).toString()).toBe(`-${canonical}`);
    });
  }

  it('keeps a large binary value binary beyond Ei instead of dropping the suffix', () => {
    expect(Quantity.parse('1024Ei').toString()).toBe('1024Ei');
    expect(Quantity.fromValue(2n ** 63n, 'BinarySI').toString()).toBe('8Ei');
  });

  it('serializes to the canonical string in JSON', () => {
    expect(JSON.stringify({ cpu: Quantity.parse('0.5'), memory: Quantity.parse('1.5Gi') })).toBe(
      '{"cpu":"500m","memory":"1536Mi"}',
    );
  });
});

describe('Quantity constructors', () => {
  it('fromValue renders like NewQuantity', () => {
    expect(Quantity.fromValue(1).toString()).toBe('1');
    expect(Quantity.fromValue(1000).toString()).toBe('1k');
    expect(Quantity.fromValue(1234000).toString()).toBe('1234k');
    expect(Quantity.fromValue(1024, 'BinarySI').toString()).toBe('1Ki');
    expect(Quantity.fromValue(1000000, 'DecimalExponent').toString()).toBe('1e6');
    expect(Quantity.fromValue(1024 * 1024, 'BinarySI').toString()).toBe('1Mi');
    expect(Quantity.fromValue(2n ** 70n).value()).toBe(2n ** 70n);
  });

  it('fromMilliValue renders like NewMilliQuantity', () => {
    expect(Quantity.fromMilliValue(1).toString()).toBe('1m');
    expect(Quantity.fromMilliValue(1000).toString()).toBe('1');
    expect(Quantity.fromMilliValue(1234000).toString()).toBe('1234');
    expect(Quantity.fromMilliValue(1024, 'BinarySI').toString()).toBe('1024m');
    expect(Quantity.fromMilliValue(1000000, 'DecimalExponent').toString()).toBe('1e3');
    expect(Quantity.fromMilliValue(1024 * 1024, 'BinarySI').toString()).toBe('1048576m');
    expect(Quantity.parse(Quantity.fromMilliValue(1234000).toString()).milliValue()).toBe(1234000n);
  });

  it('fromScaledValue renders like NewScaledQuantity and rounds below nano up', () => {
    const table: [number, number, string][] = [
      [1, -9, '1n'],
      [1000, -9, '1u'],
      [1, -6, '1u'],
      [1000, -6, '1m'],
      [1, -3, '1m'],
      [1000, -3, '1'],
      [1, 0, '1'],
      [0, -9, '0'],
      [0, -6, '0'],
      [0, -3, '0'],
      [0, 0, '0'],
    ];
    for (const [value, scale, text] of table) {
      const q = Quantity.fromScaledValue(value, scale);
      expect(q.toString()).toBe(text);
      expect(Quantity.parse(text).scaledValue(scale)).toBe(BigInt(value));
    }
    expect(Quantity.fromScaledValue(1, -12).toString()).toBe('1n');
    expect(Quantity.fromScaledValue(-1, -12).toString()).toBe('-1n');
    expect(Quantity.fromScaledValue(1500, -12).toString()).toBe('2n');
    expect(Quantity.fromScaledValue(7, -1_000_000).toString()).toBe('1n');
  });

  it('rejects non-integer numbers and unknown formats', () => {
    expect(() => Quantity.fromValue(1.5)).toThrow(RangeError);
    expect(() => Quantity.fromValue(2 ** 60)).toThrow(RangeError);
    expect(() => Quantity.parse('1').mul(0.5)).toThrow(RangeError);
    expect(() => Quantity.fromValue(1, 'Binary' as QuantityFormat)).toThrow(TypeError);
    expect(() => Quantity.fromScaledValue(1, 0.5)).toThrow(RangeError);
  });
});

describe('Quantity accessors', () => {
  it('value and milliValue round up away from zero', () => {
    expect(Quantity.parse('9.01').value()).toBe(10n);
    expect(Quantity.parse('-9.01').value()).toBe(-10n);
    expect(Quantity.parse('1.0001').milliValue()).toBe(1001n);
    expect(Quantity.parse('-1.0001').milliValue()).toBe(-1001n);
    expect(Quantity.parse('500m').value()).toBe(1n);
    expect(Quantity.parse('500m').milliValue()).toBe(500n);
    expect(Quantity.parse('1n').milliValue()).toBe(1n);
    expect(Quantity.parse('1Gi').value()).toBe(1073741824n);
    expect(Quantity.parse('0').value()).toBe(0n);
  });

  it('scaledValue converts between scales like ScaledValue', () => {
    const table: [number, number, bigint][] = [
      [-9, -9, 1n],
      [-9, -6, 1n],
      [-9, -3, 1n],
      [-9, 0, 1n],
      [-6, -9, 1000n],
      [-6, -6, 1n],
      [-6, -3, 1n],
      [-6, 0, 1n],
      [-3, -9, 1000000n],
      [-3, -6, 1000n],
      [-3, -3, 1n],
      [-3, 0, 1n],
      [0, -9, 1000000000n],
      [0, -6, 1000000n],
      [0, -3, 1000n],
      [0, 0, 1n],
      [2, -2, 10000n],
    ];
    for (const [from, to, expected] of table) {
      expect(Quantity.fromScaledValue(1, from).scaledValue(to)).toBe(expected);
    }
    expect(Quantity.parse('1').scaledValue(3)).toBe(1n);
    expect(Quantity.parse('1').scaledValue(1000)).toBe(1n);
    expect(Quantity.parse('0').scaledValue(1000)).toBe(0n);
  });

  it('sign, isZero and asApproximateFloat64', () => {
    expect(Quantity.parse('-1m').sign()).toBe(-1);
    expect(Quantity.parse('0Gi').sign()).toBe(0);
    expect(Quantity.parse('0Gi').isZero()).toBe(true);
    expect(Quantity.parse('1n').isZero()).toBe(false);
    expect(Quantity.parse('2Ki').asApproximateFloat64()).toBe(2048);
    expect(Quantity.parse('1.1Ki').asApproximateFloat64()).toBeCloseTo(1126.4, 9);
    expect(Quantity.parse('-1500m').asApproximateFloat64()).toBe(-1.5);
  });
});

describe('Quantity arithmetic', () => {
  it('adds and subtracts exactly across formats and scales', () => {
    const sum = Quantity.parse('100m').add(Quantity.parse('1.9')).add(Quantity.parse('1Ki'));
    expect(sum.toString()).toBe('1026');
    expect(sum.milliValue()).toBe(1026000n);
    expect(Quantity.parse('1Gi').sub(Quantity.parse('512Mi')).toString()).toBe('512Mi');
    expect(Quantity.parse('1e-9').add(Quantity.parse('1E')).scaledValue(-9)).toBe(10n ** 27n + 1n);
  });

  it('keeps the receiver format, or takes the other format when the receiver is zero', () => {
    const zero = Quantity.parse('0');
    for (const text of ['100m', '1Gi']) {
      const q = Quantity.parse(text);
      expect(q.add(zero).toString()).toBe(text);
      expect(zero.add(q).toString()).toBe(text);
      expect(q.sub(zero).toString()).toBe(text);
      expect(zero.sub(q).toString()).toBe(q.neg().toString());
    }
    expect(dec(10, 0, 'BinarySI').sub(dec(1, 0)).format).toBe('BinarySI');
    expect(dec(10, 0).sub(dec(1, 0, 'BinarySI')).format).toBe('DecimalSI');
    expect(
      dec(10, 0)
        .add(dec(1, 0, 'BinarySI'))
        .equal(dec(11, 0)),
    ).toBe(true);
    expect(dec(10, 0).sub(dec(1, 1)).isZero()).toBe(true);
  });

  it('multiplies by integers without overflow', () => {
    expect(dec(10, 0).mul(10).equal(dec(100, 0))).toBe(true);
    expect(dec(10, 0).mul(-10).equal(dec(-100, 0))).toBe(true);
    expect(dec(-50, 0).mul(-50).equal(dec(2500, 0))).toBe(true);
    expect(dec(50, 0).mul(0).isZero()).toBe(true);
    const max = Quantity.fromValue(2n ** 63n - 1n);
    expect(max.mul(2).value()).toBe((2n ** 63n - 1n) * 2n);
    expect(
      Quantity.fromValue(-(2n ** 63n))
        .neg()
        .toString(),
    ).toBe('9223372036854775808');
    expect(Quantity.fromValue(1, 'BinarySI').mul(-1).format).toBe('BinarySI');
  });

  it('compares by value regardless of format', () => {
    expect(Quantity.parse('0').cmp(Quantity.parse('0'))).toBe(0);
    expect(Quantity.parse('100m').cmp(Quantity.parse('50m'))).toBe(1);
    expect(Quantity.parse('50m').cmp(Quantity.parse('100m'))).toBe(-1);
    expect(Quantity.parse('10000T').cmp(Quantity.parse('100Gi'))).toBe(1);
    expect(Quantity.parse('1Ki').equal(Quantity.parse('1024'))).toBe(true);
    expect(Quantity.parse('1Ki').equal(Quantity.parse('1.024k'))).toBe(true);
    expect(Quantity.parse('1Ki').equal(Quantity.parse('1k'))).toBe(false);
    expect(Quantity.parse('1e3').cmp(Quantity.parse('1k'))).toBe(0);
    const sorted = ['1Gi', '500m', '-1', '1', '2e3', '1Ki']
      .map((s) => Quantity.parse(s))
      .sort((a, b) => a.cmp(b));
    expect(sorted.map(String)).toEqual(['-1', '500m', '1', '1Ki', '2e3', '1Gi']);
  });

  it('sums many CPU requests exactly (no float drift)', () => {
    let total = Quantity.zero();
    for (let i = 0; i < 1000; i++) total = total.add(Quantity.parse('0.1'));
    expect(total.toString()).toBe('100');
    expect(total.equal(Quantity.parse('100'))).toBe(true);
  });
});

describe('Quantity.parse: bad input', () => {
  const cases: [string, number, RegExp][] = [
    ['', 0, /empty/],
    ['Gi', 0, /expected a number at position 0/],
    ['-', 1, /expected a number at position 1/],
    ['.', 0, /expected a number/],
    ['m', 0, /expected a number/],
    ['e3', 0, /expected a number/],
    ['1.2.3', 3, /unknown suffix "\.3" at position 3/],
    ['1gb', 1, /unknown suffix "gb" at position 1/],
    ['1GB', 1, /unknown suffix "GB"/],
    ['1ki', 1, /unknown suffix "ki"/],
    ['1K', 1, /unknown suffix "K"/],
    ['1.1.M', 3, /unknown suffix/],
    ['1+1.0M', 1, /unknown suffix/],
    ['0.1mi', 3, /unknown suffix "mi"/],
    ['0.1am', 3, /unknown suffix/],
    ['aoeu', 0, /expected a number/],
    ['.5i', 2, /unknown suffix "i"/],
    ['1i', 1, /unknown suffix/],
    ['-3.01i', 5, /unknown suffix/],
    ['-3.01e-', 7, /expected exponent digits at position 7/],
    ['1e', 2, /expected exponent digits/],
    ['1e3x', 3, /unexpected "x" at position 3/],
    ['1e3.5', 3, /unexpected "\." at position 3/],
    [' 1', 0, /expected a number/],
    ['1 ', 1, /unknown suffix " "/],
    ['1 Gi', 1, /unknown suffix " Gi"/],
    ['--1', 1, /expected a number/],
    ['1Kii', 1, /unknown suffix "Kii"/],
    ['１', 0, /expected a number/],
    ['1constructor', 1, /unknown suffix "constructor"/],
    ['1toString', 1, /unknown suffix/],
  ];
  for (const [input, position, message] of cases) {
    it(`rejects ${JSON.stringify(input)} at ${position}`, () => {
      const err = parseError(input);
      expect(err.message).toMatch(message);
      expect(err.message).toContain(JSON.stringify(input));
      expect(err.position).toBe(position);
      expect(err.input).toBe(input);
      expect(Quantity.tryParse(input)).toBeUndefined();
    });
  }

  it('rejects a non-string', () => {
    expect(() => parseQuantity(5 as unknown as string)).toThrow(QuantityParseError);
  });

  it('rejects huge values cheaply but keeps tiny ones as 1n', () => {
    expect(parseError('1e1001').message).toMatch(/below 10\^1000/);
    expect(parseError('1e99999999999999999999').message).toMatch(/below 10\^1000/);
    expect(parseError(`1${'0'.repeat(1000)}`).message).toMatch(/below 10\^1000/);
    expect(Quantity.parse('1e999').toString()).toBe('1e999');
    expect(Quantity.parse('1e-99999999999999999999').toString()).toBe('1e-9');
    expect(Quantity.parse('0e99999999999999999999').isZero()).toBe(true);
    expect(Quantity.parse(`0.${'0'.repeat(900)}1`).toString()).toBe('1n');
    expect(Quantity.parse(`1.${'0'.repeat(900)}`).toString()).toBe('1');
  });

  it('rejects overlong strings', () => {
    const err = parseError('1'.repeat(MAX_QUANTITY_STRING_LENGTH + 1));
    expect(err.message).toMatch(/longer than 1024 characters/);
    expect(parseError('9'.repeat(1_000_000)).position).toBe(-1);
  });
});

describe('Quantity properties', () => {
  const formats: QuantityFormat[] = ['DecimalSI', 'BinarySI', 'DecimalExponent'];
  const arbNanos = fc.oneof(
    fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
    fc.bigInt({ min: -(2n ** 20n), max: 2n ** 20n }).map((m) => m * 1024n ** 3n * 1_000_000_000n),
    fc.integer({ min: -1000, max: 1000 }).map((m) => BigInt(m) * 1_000_000n),
  );
  const arbQuantity = fc
    .tuple(arbNanos, fc.constantFrom(...formats))
    .map(([n, format]) => Quantity.fromScaledValue(n, -9).withFormat(format));

  it('the canonical string parses back to the same value and is a fixed point', () => {
    fc.assert(
      fc.property(arbQuantity, (q) => {
        const text = q.toString();
        const back = Quantity.parse(text);
        expect(back.equal(q)).toBe(true);
        expect(back.toString()).toBe(text);
        expect(text).not.toMatch(/\./);
      }),
      { numRuns: 500 },
    );
  });

  it('add, sub, neg and cmp agree with bigint arithmetic', () => {
    fc.assert(
      fc.property(arbQuantity, arbQuantity, (a, b) => {
        expect(a.add(b).sub(b).equal(a)).toBe(true);
        expect(a.add(b).equal(b.add(a))).toBe(true);
        expect(a.sub(b).equal(a.add(b.neg()))).toBe(true);
        const diff = nanos(a) - nanos(b);
        expect(a.cmp(b)).toBe(diff < 0n ? -1 : diff > 0n ? 1 : 0);
        expect(a.cmp(b) + b.cmp(a)).toBe(0);
        expect(a.sub(b).sign()).toBe(a.cmp(b));
      }),
      { numRuns: 300 },
    );
  });

  // An independent oracle: the exact rational value of `int.frac × suffix`, rounded up to nanos.
  const SUFFIX: Record<string, [bigint, bigint]> = {
    '': [1n, 1n],
    n: [1n, 10n ** 9n],
    u: [1n, 10n ** 6n],
    m: [1n, 1000n],
    k: [1000n, 1n],
    M: [10n ** 6n, 1n],
    G: [10n ** 9n, 1n],
    T: [10n ** 12n, 1n],
    P: [10n ** 15n, 1n],
    E: [10n ** 18n, 1n],
    Ki: [2n ** 10n, 1n],
    Mi: [2n ** 20n, 1n],
    Gi: [2n ** 30n, 1n],
    Ti: [2n ** 40n, 1n],
    Pi: [2n ** 50n, 1n],
    Ei: [2n ** 60n, 1n],
    'e-12': [1n, 10n ** 12n],
    e7: [10n ** 7n, 1n],
    'E+2': [100n, 1n],
  };
  it('parses to the exact rational value rounded up to nano-units', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{0,12}$/),
        fc.stringMatching(/^[0-9]{0,14}$/),
        fc.constantFrom(...Object.keys(SUFFIX)),
        fc.boolean(),
        (intPart, fracPart, suffix, negative) => {
          fc.pre(intPart.length + fracPart.length > 0);
          const text = `${negative ? '-' : ''}${intPart}${fracPart ? `.${fracPart}` : ''}${suffix}`;
          const [mul, div] = SUFFIX[suffix] as [bigint, bigint];
          const numerator = BigInt(intPart + fracPart || '0') * mul * 10n ** 9n;
          const denominator = div * 10n ** BigInt(fracPart.length);
          const ceil = (numerator + denominator - 1n) / denominator;
          expect(nanos(Quantity.parse(text))).toBe(negative ? -ceil : ceil);
        },
      ),
      { numRuns: 500 },
    );
  });
});
