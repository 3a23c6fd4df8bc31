import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  escapeFieldSelectorValue,
  everythingFieldSelector,
  FieldSelectorMatcher,
  fieldSelectorFromSet,
  parseFieldSelector,
  SelectorParseError,
  unescapeFieldSelectorValue,
} from '../../../src/apimachinery/index.js';

function thrown(fn: () => unknown): SelectorParseError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SelectorParseError);
    return err as SelectorParseError;
  }
  throw new Error('expected an error');
}

describe('parseFieldSelector', () => {
  const cases: [string, string][] = [
    ['', ''],
    [',,', ''],
    ['a=b', 'a=b'],
    ['a==b', 'a=b'],
    ['a!=b', 'a!=b'],
    ['metadata.name=x,,spec.nodeName=', 'metadata.name=x,spec.nodeName='],
    ['spec.nodeName!=,metadata.namespace=default', 'metadata.namespace=default,spec.nodeName!='],
    ['a=b\\,c', 'a=b\\,c'],
    ['a=b\\=c\\\\', 'a=b\\=c\\\\'],
    ['a=!b', 'a=!b'],
    ['a=b!', 'a=b!'],
    ['a!=!', 'a!=!'],
    ['a= b ', 'a= b '],
    ['x=1,a=2', 'a=2,x=1'],
  ];
  for (const [input, canonical] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(canonical)}`, () => {
      const sel = parseFieldSelector(input);
      expect(sel.toString()).toBe(canonical);
      expect(parseFieldSelector(canonical).toString()).toBe(canonical);
    });
  }

  it('unescapes values and normalizes == to =', () => {
    expect(parseFieldSelector('b==x\\,y,a!=p\\=q\\\\').requirements).toEqual([
      { field: 'a', operator: '!=', value: 'p=q\\' },
      { field: 'b', operator: '=', value: 'x,y' },
    ]);
  });

  it('returns the shared everything selector for empty input', () => {
    expect(parseFieldSelector('')).toBe(everythingFieldSelector());
    expect(parseFieldSelector(',').isEverything()).toBe(true);
    expect(parseFieldSelector('a=b').isEverything()).toBe(false);
    expect(parseFieldSelector('a=b')).toBeInstanceOf(FieldSelectorMatcher);
  });

  const bad: [string, number, string, RegExp][] = [
    ['=b', 0, '', /missing field name before the operator at position 0/],
    ['a=b,==c', 4, '', /missing field name before the operator at position 4/],
    ['a', 0, 'a', /term "a" at position 0 has no operator/],
    ['a=b,c', 4, 'c', /term "c" at position 4 has no operator/],
    ['a!b', 0, 'a!b', /has no operator/],
    ['a=b=c', 3, '=', /unescaped '=' in value at position 3/],
    ['a===b', 3, '=', /unescaped '=' in value at position 3/],
    ['a=b\\x', 3, '\\x', /invalid escape sequence '\\x' at position 3/],
    ['a=b\\!', 3, '\\!', /invalid escape sequence '\\!'/],
    ['a=b\\', 3, '\\', /unfinished escape/],
    ['x=1,a=b\\', 7, '\\', /unfinished escape '\\' at end of value \(position 7\)/],
    ['a=b, c=d', 4, ' c', /field name " c" at position 4 contains whitespace/],
    [' a=b', 0, ' a', /contains whitespace/],
    ['a\\,b=c', 1, 'a\\,b', /contains a backslash/],
  ];
  for (const [input, position, part, message] of bad) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      const err = thrown(() => parseFieldSelector(input));
      expect(err.message).toMatch(message);
      expect(err.message.startsWith(`invalid field selector ${JSON.stringify(input)}: `)).toBe(true);
      expect(err.position).toBe(position);
      expect(err.part).toBe(part);
      expect(err.input).toBe(input);
    });
  }

  it('rejects a non-string', () => {
    expect(() => parseFieldSelector(null as unknown as string)).toThrow(SelectorParseError);
  });
});

describe('FieldSelectorMatcher matching', () => {
  it('matches a flat field map, a missing field reading as empty', () => {
    const sel = parseFieldSelector('metadata.name=web,spec.nodeName=,status.phase!=Failed');
    expect(sel.matches({ 'metadata.name': 'web', 'status.phase': 'Running' })).toBe(true);
    expect(sel.matches({ 'metadata.name': 'web', 'spec.nodeName': '', 'status.phase': 'Running' })).toBe(
      true,
    );
    expect(sel.matches({ 'metadata.name': 'web', 'spec.nodeName': 'n1' })).toBe(false);
    expect(sel.matches({ 'metadata.name': 'web', 'status.phase': 'Failed' })).toBe(false);
    expect(sel.matches({ 'metadata.name': 'api' })).toBe(false);
    expect(parseFieldSelector('a!=').matches(undefined)).toBe(false);
    expect(parseFieldSelector('a=').matches(null)).toBe(true);
    expect(everythingFieldSelector().matches({ x: 'y' })).toBe(true);
    expect(parseFieldSelector('constructor=').matches({})).toBe(true);
  });

  it('matches objects by dotted path', () => {
    const pod = {
      metadata: { name: 'web-1', namespace: 'prod' },
      spec: { nodeName: 'node-a', restartPolicy: 'Always', priority: 7, containers: [{ name: 'c' }] },
      status: { phase: 'Running' },
    };
    const unscheduled = {
      metadata: { name: 'web-2', namespace: 'prod' },
      spec: {},
      status: { phase: 'Pending' },
    };
    expect(parseFieldSelector('metadata.name=web-1').matchesObject(pod)).toBe(true);
    expect(parseFieldSelector('metadata.namespace=prod,status.phase=Running').matchesObject(pod)).toBe(true);
    expect(parseFieldSelector('spec.nodeName=').matchesObject(unscheduled)).toBe(true);
    expect(parseFieldSelector('spec.nodeName=').matchesObject(pod)).toBe(false);
    expect(parseFieldSelector('spec.nodeName!=').matchesObject(pod)).toBe(true);
    expect(parseFieldSelector('spec.priority=7').matchesObject(pod)).toBe(true);
    expect(
      parseFieldSelector('spec.unschedulable=true').matchesObject({ spec: { unschedulable: true } }),
    ).toBe(true);
    expect(parseFieldSelector('spec.unschedulable!=true').matchesObject({ spec: {} })).toBe(true);
    // An object-valued field equals no string, not even ''.
    expect(parseFieldSelector('spec=').matchesObject(pod)).toBe(false);
    expect(parseFieldSelector('spec!=').matchesObject(pod)).toBe(true);
    expect(parseFieldSelector('spec.containers=').matchesObject(pod)).toBe(false);
    expect(parseFieldSelector('metadata.name.length=').matchesObject(pod)).toBe(true);
    expect(parseFieldSelector('a.b=').matchesObject(null)).toBe(true);
    expect(parseFieldSelector('a.b=').matchesObject({ a: null })).toBe(true);
    expect(
      parseFieldSelector('metadata.name=x').matchesObject(Object.create({ metadata: { name: 'x' } })),
    ).toBe(false);
  });

  it('fieldSelectorFromSet builds equality terms', () => {
    const sel = fieldSelectorFromSet({ 'spec.nodeName': 'n1', 'metadata.name': 'a,b' });
    expect(sel.toString()).toBe('metadata.name=a\\,b,spec.nodeName=n1');
    expect(sel.matches({ 'spec.nodeName': 'n1', 'metadata.name': 'a,b' })).toBe(true);
    expect(fieldSelectorFromSet({}).isEverything()).toBe(true);
    expect(fieldSelectorFromSet(undefined).isEverything()).toBe(true);
    expect(() => fieldSelectorFromSet({ '': 'x' })).toThrow(SelectorParseError);
  });

  it('requiresExactMatch reports the value of the first = term on the field', () => {
    const sel = parseFieldSelector('metadata.name!=a,metadata.name=b,spec.nodeName!=c');
    expect(sel.requiresExactMatch('metadata.name')).toBe('b');
    expect(sel.requiresExactMatch('spec.nodeName')).toBeUndefined();
    expect(sel.requiresExactMatch('status.phase')).toBeUndefined();
  });
});

describe('escaping', () => {
  it('escapes backslash, comma and equals only', () => {
    expect(escapeFieldSelectorValue('plain')).toBe('plain');
    expect(escapeFieldSelectorValue('a,b=c\\d!e')).toBe('a\\,b\\=c\\\\d!e');
    expect(escapeFieldSelectorValue(',')).toBe('\\,');
    expect(escapeFieldSelectorValue('')).toBe('');
    expect(unescapeFieldSelectorValue('a\\,b\\=c\\\\d!e')).toBe('a,b=c\\d!e');
    expect(thrown(() => unescapeFieldSelectorValue('a,b')).position).toBe(1);
    expect(thrown(() => unescapeFieldSelectorValue('a\\n')).message).toMatch(
      /invalid escape sequence '\\n' at position 1/,
    );
  });

  it('round-trips any value through a selector', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.constantFrom('=', '==', '!='), (value, op) => {
        expect(unescapeFieldSelectorValue(escapeFieldSelectorValue(value))).toBe(value);
        const sel = parseFieldSelector(`spec.x${op}${escapeFieldSelectorValue(value)},metadata.name=n`);
        expect(sel.requirements.find((r) => r.field === 'spec.x')?.value).toBe(value);
        expect(parseFieldSelector(sel.toString()).requirements).toEqual(sel.requirements);
        expect(sel.matches({ 'spec.x': value, 'metadata.name': 'n' })).toBe(op !== '!=');
      }),
      { numRuns: 500 },
    );
  });

  it('never throws anything but SelectorParseError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'ab=!,\\ .'.split('')), maxLength: 20 }), (text) => {
        try {
          const sel = parseFieldSelector(text);
          expect(parseFieldSelector(sel.toString()).toString()).toBe(sel.toString());
        } catch (err) {
          expect(err).toBeInstanceOf(SelectorParseError);
          const e = err as SelectorParseError;
          expect(e.position).toBeGreaterThanOrEqual(0);
          expect(e.position).toBeLessThan(text.length);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
