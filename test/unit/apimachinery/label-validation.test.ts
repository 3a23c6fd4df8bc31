import { describe, expect, it } from 'vitest';
import {
  isValidLabelKey,
  isValidLabelValue,
  validateLabelKey,
  validateLabelValue,
} from '../../../src/apimachinery/index.js';

describe('label keys', () => {
  const good = [
    'a',
    'A',
    '1',
    'simple',
    'now-with-dashes',
    '1-starts-with-num',
    '1234',
    'simple/simple',
    'now-with-dashes/simple',
    'now-with-dashes/now-with-dashes',
    'now.with.dots/simple',
    'now-with.dashes-and.dots/simple',
    '1-num.2-num/3-num',
    '1234/5678',
    '1.2.3.4/5678',
    'Uppercase_Is_OK_123',
    'example.com/Uppercase_Is_OK_123',
    'requests.storage-foo',
    `${'a'.repeat(63)}`,
    `${'a'.repeat(253)}/${'b'.repeat(63)}`,
    'app.kubernetes.io/name',
  ];
  for (const key of good) {
    it(`accepts ${JSON.stringify(key.length > 30 ? `${key.slice(0, 30)}…` : key)}`, () => {
      expect(validateLabelKey(key)).toEqual([]);
      expect(isValidLabelKey(key)).toBe(true);
    });
  }

  const bad: [string, RegExp][] = [
    ['', /name part must not be empty/],
    ['nospecialchars%^=@', /name part must consist of/],
    ['cantendwithadash-', /name part must consist of/],
    ['-cantstartwithadash-', /name part must consist of/],
    ['only/one/slash', /at most one '\/'/],
    ['Example/simple', /prefix part must be a lowercase DNS subdomain/],
    ['example_com/simple', /prefix part must be a lowercase DNS subdomain/],
    ['example.com/', /name part must not be empty/],
    ['/simple', /prefix part before the \/ must not be empty/],
    ['example.com/!~', /name part must consist of/],
    ['.example.com/a', /lowercase DNS subdomain/],
    ['example..com/a', /lowercase DNS subdomain/],
    ['example.com-/a', /lowercase DNS subdomain/],
    [`${'a'.repeat(64)}`, /name part must be no more than 63 characters/],
    [`${'a'.repeat(254)}/b`, /prefix part must be no more than 253 characters/],
    ['a b', /name part must consist of/],
    ['ключ', /name part must consist of/],
  ];
  for (const [key, message] of bad) {
    it(`rejects ${JSON.stringify(key.length > 30 ? `${key.slice(0, 30)}…` : key)}`, () => {
      const errors = validateLabelKey(key);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.join('; ')).toMatch(message);
      expect(isValidLabelKey(key)).toBe(false);
    });
  }

  it('reports problems with prefix and name together', () => {
    expect(validateLabelKey('/-x')).toHaveLength(2);
  });

  it('rejects a huge key by length without running a regex over it', () => {
    expect(validateLabelKey('a'.repeat(1_000_000))).toEqual([
      'the name part must be no more than 63 characters',
    ]);
  });
});

describe('label values', () => {
  const good = [
    '',
    'simple',
    'now-with-dashes',
    '1-starts-with-num',
    'end-with-num-1',
    '1234',
    'a',
    'A_b.c-D',
    'v'.repeat(63),
  ];
  for (const value of good) {
    it(`accepts ${JSON.stringify(value)}`, () => {
      expect(validateLabelValue(value)).toEqual([]);
      expect(isValidLabelValue(value)).toBe(true);
    });
  }
  const bad = ['-', '-a', 'a-', '_a', 'a.', 'a b', 'a/b', 'a%b', 'ä', 'v'.repeat(64)];
  for (const value of bad) {
    it(`rejects ${JSON.stringify(value)}`, () => {
      expect(validateLabelValue(value)).toHaveLength(1);
      expect(isValidLabelValue(value)).toBe(false);
    });
  }
});
