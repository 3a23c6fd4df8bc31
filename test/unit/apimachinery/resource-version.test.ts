import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareResourceVersions,
  InvalidResourceVersionError,
  isComparableResourceVersion,
} from '../../../src/apimachinery/index.js';

describe('compareResourceVersions', () => {
  it('orders decimal resourceVersions numerically, not lexically', () => {
    expect(compareResourceVersions('9', '10')).toBe(-1);
    expect(compareResourceVersions('10', '9')).toBe(1);
    expect(compareResourceVersions('12345', '12345')).toBe(0);
    expect(compareResourceVersions('12345', '12346')).toBe(-1);
    expect(compareResourceVersions('99999999999999999999999999', '100000000000000000000000000')).toBe(-1);
    expect(compareResourceVersions('18446744073709551616', '18446744073709551615')).toBe(1);
  });

  const invalid = ['', '0', '01', '-1', '+1', '1.0', '1e3', ' 1', '1 ', 'abc', '１'];
  for (const rv of invalid) {
    it(`rejects ${JSON.stringify(rv)}`, () => {
      expect(isComparableResourceVersion(rv)).toBe(false);
      expect(() => compareResourceVersions(rv, '5')).toThrow(InvalidResourceVersionError);
      expect(() => compareResourceVersions('5', rv)).toThrow(InvalidResourceVersionError);
      try {
        compareResourceVersions('5', rv);
      } catch (err) {
        expect((err as InvalidResourceVersionError).resourceVersion).toBe(rv);
        expect((err as Error).message).toContain(JSON.stringify(rv));
      }
    });
  }

  it('agrees with bigint comparison', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 40n }),
        fc.bigInt({ min: 1n, max: 10n ** 40n }),
        (a, b) => {
          expect(compareResourceVersions(String(a), String(b))).toBe(a < b ? -1 : a > b ? 1 : 0);
        },
      ),
    );
  });
});
