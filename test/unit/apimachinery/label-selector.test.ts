import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  everythingLabelSelector,
  type LabelRequirement,
  LabelSelectorMatcher,
  type LabelSelectorOperator,
  type Labels,
  labelSelectorFromObject,
  labelSelectorFromSet,
  newLabelRequirement,
  nothingLabelSelector,
  parseLabelSelector,
  SelectorParseError,
} from '../../../src/apimachinery/index.js';

function parseError(selector: string): SelectorParseError {
  try {
    parseLabelSelector(selector);
  } catch (err) {
    expect(err).toBeInstanceOf(SelectorParseError);
    return err as SelectorParseError;
  }
  throw new Error(`expected ${JSON.stringify(selector)} to be rejected`);
}

function thrown(fn: () => unknown): SelectorParseError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SelectorParseError);
    return err as SelectorParseError;
  }
  throw new Error('expected an error');
}

describe('parseLabelSelector: syntax and canonical form', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['   \t\n', ''],
    ['x=a', 'x=a'],
    ['x==a', 'x==a'],
    ['x!=a', 'x!=a'],
    ['x=a,y=b,z=c', 'x=a,y=b,z=c'],
    ['z=c,x=a,y=b', 'x=a,y=b,z=c'],
    ['x!=a,y=b', 'x!=a,y=b'],
    ['x=', 'x='],
    ['x= ', 'x='],
    ['x=,z= ', 'x=,z='],
    ['x= ,z= ', 'x=,z='],
    ['!x', '!x'],
    ['x', 'x'],
    ['x>1', 'x>1'],
    ['x>1,z<5', 'x>1,z<5'],
    ['x<007', 'x<007'],
    ['x in (a)', 'x in (a)'],
    ['x in (b,a,b)', 'x in (a,b)'],
    ['x notin (a,b)', 'x notin (a,b)'],
    ['x in (foo,,baz),y,z notin ()', 'x in (,baz,foo),y,z notin ()'],
    ['x in (,a)', 'x in (,a)'],
    ['x in (a,)', 'x in (,a)'],
    ['x in (,)', 'x in ()'],
    ['x in ()', 'x in ()'],
    ['  a  =  b  ,  c in ( e , d ) , ! f ', 'a=b,c in (d,e),!f'],
    ['a\t==\tb\r\n,c', 'a==b,c'],
    ['in in (in,notin)', 'in in (in,notin)'],
    ['notin=in', 'notin=in'],
    ['in', 'in'],
    ['!notin', '!notin'],
    ['x in(a)', 'x in (a)'],
    ['example.com/app=web', 'example.com/app=web'],
    ['app.kubernetes.io/name in (a.b,c_d,e-f)', 'app.kubernetes.io/name in (a.b,c_d,e-f)'],
    // Stable by key: requirements on the same key keep their written order.
    ['b,a!=y,a!=x', 'a!=y,a!=x,b'],
  ];
  for (const [input, canonical] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(canonical)}`, () => {
      const sel = parseLabelSelector(input);
      expect(sel.toString()).toBe(canonical);
      expect(parseLabelSelector(canonical).toString()).toBe(canonical);
    });
  }

  it('exposes sorted, de-duplicated requirements', () => {
    const sel = parseLabelSelector('z notin (b,a,b), !y, x>3, w==v, k');
    expect(sel.requirements).toEqual([
      { key: 'k', operator: 'exists', values: [] },
      { key: 'w', operator: '==', values: ['v'] },
      { key: 'x', operator: 'gt', values: ['3'] },
      { key: 'y', operator: '!', values: [] },
      { key: 'z', operator: 'notin', values: ['a', 'b'] },
    ]);
    expect(Object.isFrozen(sel.requirements)).toBe(true);
    expect(Object.isFrozen(sel.requirements[0])).toBe(true);
  });

  it('returns the shared everything selector for an empty string', () => {
    expect(parseLabelSelector('')).toBe(everythingLabelSelector());
    expect(parseLabelSelector('').isEverything()).toBe(true);
    expect(parseLabelSelector('a').isEverything()).toBe(false);
  });
});

describe('parseLabelSelector: bad input names the offending part and position', () => {
  const cases: [string, number, string, RegExp][] = [
    ['x=a||y=b', 2, 'a||y', /label value "a\|\|y" at position 2 for key "x" is invalid/],
    ['x==a==b', 4, '==', /expected ',' or end of selector but found '==' at position 4/],
    ['!x=a', 2, '=', /expected ',' or end of selector but found '=' at position 2/],
    ['x<a', 2, 'a', /value "a" at position 2 for operator '<' on key "x" must be a 64-bit integer/],
    ['x>', 2, '', /value "" at position 2 for operator '>' on key "x" must be a 64-bit integer/],
    ['x>-1', 2, '-1', /label value "-1" at position 2/],
    ['x>99999999999999999999', 2, '99999999999999999999', /64-bit integer/],
    ['a in (b', 7, '', /expected ',' or '\)' but found end of selector at position 7/],
    ['a in (b c)', 8, 'c', /expected ',' or '\)' but found 'c' at position 8/],
    ['a in (=)', 6, '=', /expected a value, ',' or '\)' but found '=' at position 6/],
    ['a in b', 5, 'b', /expected '\(' after 'in' but found 'b' at position 5/],
    ['a notin', 7, '', /expected '\(' after 'notin' but found end of selector at position 7/],
    [',a', 0, ',', /expected a label key or '!' but found ',' at position 0/],
    ['a,', 2, '', /expected a label key or '!' after ',' but found end of selector at position 2/],
    ['a,,b', 2, ',', /after ','/],
    [
      'a b',
      2,
      'b',
      /expected an operator \(=, ==, !=, in, notin, >, <\) after key "a" but found 'b' at position 2/,
    ],
    ['a=(b', 2, '(', /expected a value after '=' but found '\(' at position 2/],
    ['a=b c', 4, 'c', /expected ',' or end of selector but found 'c' at position 4/],
    ['a<=5', 2, '=', /expected a value after '<' but found '=' at position 2/],
    ['!!a', 1, '!', /expected a label key after '!' but found '!' at position 1/],
    ['!', 1, '', /expected a label key after '!' but found end of selector at position 1/],
    ['(a)', 0, '(', /expected a label key or '!' but found '\(' at position 0/],
    ['=a', 0, '=', /found '=' at position 0/],
    ['a=b@c', 2, 'b@c', /label value "b@c" at position 2 for key "a" is invalid/],
    [
      'ok=1,A_/b=c',
      5,
      'A_/b',
      /label key "A_\/b" at position 5 is invalid: the prefix part must be a lowercase DNS subdomain/,
    ],
    ['a/b/c', 0, 'a/b/c', /at most one '\/'/],
    ['/a', 0, '/a', /prefix part before the \/ must not be empty/],
    ['a/', 0, 'a/', /name part must not be empty/],
    ['-a', 0, '-a', /name part must consist of/],
    ['a.', 0, 'a.', /name part must consist of/],
    ['Example.com/a', 0, 'Example.com/a', /lowercase DNS subdomain/],
    [`${'x'.repeat(64)}=1`, 0, 'x'.repeat(64), /name part must be no more than 63 characters/],
    [`${'p'.repeat(254)}/x`, 0, `${'p'.repeat(254)}/x`, /prefix part must be no more than 253 characters/],
    [`a=${'v'.repeat(64)}`, 2, 'v'.repeat(64), /must be no more than 63 characters/],
    ['a in (x,y z)', 10, 'z', /found 'z' at position 10/],
    ['a\u00a0=b', 0, 'a\u00a0', /label key/],
    ['é=1', 0, 'é', /label key "é" at position 0 is invalid/],
  ];
  for (const [input, position, part, message] of cases) {
    it(`rejects ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`, () => {
      const err = parseError(input);
      expect(err.message).toMatch(message);
      expect(err.message.startsWith('invalid label selector ')).toBe(true);
      expect(err.position).toBe(position);
      expect(err.part).toBe(part);
      expect(err.input).toBe(input);
    });
  }

  it('rejects a non-string', () => {
    expect(() => parseLabelSelector(undefined as unknown as string)).toThrow(SelectorParseError);
  });

  it('keeps messages short for huge input and parses large selectors linearly', () => {
    const big = `${'a,'.repeat(200_000)}=`;
    const err = parseError(big);
    expect(err.message.length).toBeLessThan(400);
    expect(err.position).toBe(big.length - 1);
    const many = Array.from({ length: 20_000 }, (_, i) => `k${i}=v${i}`).join(',');
    const sel = parseLabelSelector(many);
    expect(sel.requirements).toHaveLength(20_000);
    expect(
      sel.matches(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, `v${i}`]))),
    ).toBe(true);
  });
});

describe('LabelSelectorMatcher.matches', () => {
  const matches: [string, Labels][] = [
    ['', { x: 'y' }],
    ['', {}],
    ['x=y', { x: 'y' }],
    ['x==y', { x: 'y' }],
    ['x=y,z=w', { x: 'y', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'a' }],
    ['x!=y', {}],
    ['notin=in', { notin: 'in' }],
    ['x', { x: 'z' }],
    ['x', { x: '' }],
    ['!x', { y: 'z' }],
    ['x>1', { x: '2' }],
    ['x<1', { x: '0' }],
    ['x<1', { x: '-5' }],
    ['x>1', { x: '+5' }],
    ['x>6', { x: '007' }],
    ['x>9223372036854775806', { x: '9223372036854775807' }],
    ['x<9223372036854775807', { x: '-9223372036854775808' }],
    ['x in (a,b)', { x: 'b' }],
    ['x in (a,b,c,d,e,f)', { x: 'f' }],
    ['x notin (a,b)', { x: 'c' }],
    ['x notin (a,b,c,d,e)', { y: 'a' }],
    ['x=', { x: '' }],
    ['x in (,a)', { x: '' }],
    ['x notin ()', { x: 'a' }],
    ['!constructor', {}],
    ['!toString,!hasOwnProperty,!valueOf', {}],
  ];
  const nonMatches: [string, Labels][] = [
    ['x=z', {}],
    ['x=y', { x: 'z' }],
    ['x=y,z=w', { x: 'w', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'w' }],
    ['x', { y: 'z' }],
    ['!x', { x: 'z' }],
    ['!x', { x: '' }],
    ['x>1', { x: '0' }],
    ['x>1', { x: '1' }],
    ['x<1', { x: '2' }],
    ['x>1', {}],
    ['x<1', {}],
    ['x>1', { x: 'abc' }],
    ['x>1', { x: '1.5' }],
    ['x>1', { x: '' }],
    ['x>1', { x: '9223372036854775808' }],
    ['x<1', { x: '-9223372036854775809' }],
    ['x in (a,b)', { x: 'c' }],
    ['x in (a,b)', {}],
    ['x in (a,b,c,d,e,f)', { x: 'g' }],
    ['x notin (a,b)', { x: 'a' }],
    ['x notin (a,b,c,d,e)', { x: 'e' }],
    ['x=', {}],
    ['x=', { x: 'a' }],
    ['constructor', {}],
    ['toString=x', {}],
    ['hasOwnProperty', {}],
  ];
  for (const [sel, labels] of matches) {
    it(`${JSON.stringify(sel)} matches ${JSON.stringify(labels)}`, () => {
      expect(parseLabelSelector(sel).matches(labels)).toBe(true);
    });
  }
  for (const [sel, labels] of nonMatches) {
    it(`${JSON.stringify(sel)} does not match ${JSON.stringify(labels)}`, () => {
      expect(parseLabelSelector(sel).matches(labels)).toBe(false);
    });
  }

  it('treats absent labels as an empty map', () => {
    expect(parseLabelSelector('!a').matches(undefined)).toBe(true);
    expect(parseLabelSelector('a').matches(null)).toBe(false);
    expect(parseLabelSelector('a').matchesObject({ metadata: { labels: { a: '' } } })).toBe(true);
    expect(parseLabelSelector('a').matchesObject({ metadata: {} })).toBe(false);
    expect(parseLabelSelector('!a').matchesObject({})).toBe(true);
    expect(parseLabelSelector('!a').matchesObject(undefined)).toBe(true);
  });

  it('ignores inherited properties', () => {
    const labels = Object.create({ a: 'b' }) as Labels;
    expect(parseLabelSelector('a').matches(labels)).toBe(false);
    expect(parseLabelSelector('a=b').matches(labels)).toBe(false);
    expect(parseLabelSelector('a!=b').matches(labels)).toBe(true);
  });
});

describe('everything and nothing', () => {
  it('everything matches all and renders empty', () => {
    const sel = everythingLabelSelector();
    expect(sel.matches({})).toBe(true);
    expect(sel.matches({ a: 'b' })).toBe(true);
    expect(sel.isEverything()).toBe(true);
    expect(sel.matchesNothing).toBe(false);
    expect(sel.toString()).toBe('');
  });

  it('nothing matches none, renders empty, and stays nothing when added to', () => {
    const sel = nothingLabelSelector();
    expect(sel.matches({})).toBe(false);
    expect(sel.matches({ a: 'b' })).toBe(false);
    expect(sel.isEverything()).toBe(false);
    expect(sel.matchesNothing).toBe(true);
    expect(sel.toString()).toBe('');
    expect(sel.add(newLabelRequirement('a', 'exists'))).toBe(sel);
  });

  it('every factory returns a LabelSelectorMatcher', () => {
    for (const sel of [
      parseLabelSelector('a'),
      everythingLabelSelector(),
      nothingLabelSelector(),
      labelSelectorFromSet({ a: 'b' }),
      labelSelectorFromObject({ matchLabels: { a: 'b' } }),
    ]) {
      expect(sel).toBeInstanceOf(LabelSelectorMatcher);
    }
  });
});

describe('labelSelectorFromObject (metav1.LabelSelectorAsSelector)', () => {
  it('maps null/undefined to nothing and an empty object to everything', () => {
    expect(labelSelectorFromObject(null).matchesNothing).toBe(true);
    expect(labelSelectorFromObject(undefined).matchesNothing).toBe(true);
    expect(labelSelectorFromObject({}).isEverything()).toBe(true);
    expect(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }).isEverything()).toBe(true);
  });

  it('converts matchLabels and matchExpressions', () => {
    const sel = labelSelectorFromObject({
      matchLabels: { tier: 'fe', app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'dev'] },
        { key: 'track', operator: 'NotIn', values: ['canary'] },
        { key: 'owner', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist', values: [] },
      ],
    });
    expect(sel.toString()).toBe('app=web,env in (dev,prod),!legacy,owner,tier=fe,track notin (canary)');
    expect(sel.matches({ app: 'web', tier: 'fe', env: 'dev', owner: 'me' })).toBe(true);
    expect(sel.matches({ app: 'web', tier: 'fe', env: 'dev', owner: 'me', track: 'canary' })).toBe(false);
    expect(sel.matches({ app: 'web', tier: 'fe', env: 'qa', owner: 'me' })).toBe(false);
    expect(sel.matches({ app: 'web', tier: 'fe', env: 'dev', owner: 'me', legacy: 'y' })).toBe(false);
    expect(parseLabelSelector(sel.toString()).toString()).toBe(sel.toString());
  });

  it('treats null values as no values', () => {
    const sel = labelSelectorFromObject({
      matchExpressions: [{ key: 'a', operator: 'Exists', values: null as unknown as string[] }],
    });
    expect(sel.toString()).toBe('a');
  });

  const bad: [Parameters<typeof labelSelectorFromObject>[0], string, RegExp][] = [
    [
      { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['b'] }] },
      'matchExpressions[0].operator',
      /"Equals" is not a valid label selector operator/,
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'in', values: ['b'] }] },
      'matchExpressions[0].operator',
      /"in" is not a valid/,
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] },
      'matchExpressions[0].values',
      /needs at least one value/,
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'NotIn' }] },
      'matchExpressions[0].values',
      /needs at least one value/,
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      'matchExpressions[0].values',
      /takes no values/,
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'DoesNotExist', values: ['x'] }] },
      'matchExpressions[0].values',
      /takes no values/,
    ],
    [
      {
        matchExpressions: [
          { key: 'ok', operator: 'Exists' },
          { key: 'a', operator: 'In', values: ['fine', 'b@d'] },
        ],
      },
      'matchExpressions[1].values[1]',
      /label value "b@d"/,
    ],
    [
      { matchExpressions: [{ key: 'Bad/key', operator: 'Exists' }] },
      'matchExpressions[0].key',
      /label key "Bad\/key"/,
    ],
    [{ matchLabels: { 'a b': 'c' } }, 'matchLabels["a b"]', /label key "a b"/],
    [{ matchLabels: { a: '-c' } }, 'matchLabels["a"]', /label value "-c"/],
    [{ matchLabels: { a: 5 as unknown as string } }, 'matchLabels["a"]', /must be a string/],
    [
      { matchExpressions: [null as unknown as { key: string; operator: string }] },
      'matchExpressions[0]',
      /must be an object/,
    ],
    [
      { matchExpressions: [{ key: 5 as unknown as string, operator: 'Exists' }] },
      'matchExpressions[0].key',
      /must be a string/,
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'In', values: 'x' as unknown as string[] }] },
      'matchExpressions[0].values',
      /array of strings/,
    ],
  ];
  for (const [obj, part, message] of bad) {
    it(`rejects ${part}: ${message.source}`, () => {
      const err = thrown(() => labelSelectorFromObject(obj));
      expect(err.part).toBe(part);
      expect(err.position).toBe(-1);
      expect(err.message).toMatch(message);
      expect(err.message).toContain(part);
    });
  }
});

describe('labelSelectorFromSet, newLabelRequirement and add', () => {
  it('builds an equality selector from a set, sorted by key', () => {
    const sel = labelSelectorFromSet({ b: '2', a: '1' });
    expect(sel.toString()).toBe('a=1,b=2');
    expect(sel.matches({ a: '1', b: '2', c: '3' })).toBe(true);
    expect(sel.matches({ a: '1' })).toBe(false);
    expect(labelSelectorFromSet({}).isEverything()).toBe(true);
    expect(labelSelectorFromSet(undefined).isEverything()).toBe(true);
    expect(() => labelSelectorFromSet({ a: 'b c' })).toThrow(/label value "b c"/);
  });

  it('validates requirements like NewRequirement', () => {
    const ok: [string, LabelSelectorOperator, string[]][] = [
      ['x2', 'notin', ['foo']],
      ['x3', 'in', ['foo']],
      ['x4', 'notin', ['foo']],
      ['x6', 'exists', []],
      ['x7', '!', []],
      ['x10', 'gt', ['1']],
      ['x11', 'lt', ['6']],
      ['x'.repeat(63), 'exists', []],
      ['a', '=', ['v'.repeat(63)]],
      ['a', '=', ['']],
    ];
    for (const [key, op, values] of ok) expect(newLabelRequirement(key, op, values).key).toBe(key);
    const bad: [string, LabelSelectorOperator, string[], RegExp][] = [
      ['x1', 'in', [], /needs at least one value/],
      ['x5', '=', ['foo', 'bar'], /needs exactly one value/],
      ['x5', '!=', [], /needs exactly one value/],
      ['x8', 'exists', ['foo'], /takes no values/],
      ['x9', 'gt', ['1', '2'], /needs exactly one value/],
      ['x12', 'lt', ['a'], /must be a 64-bit integer/],
      ['x'.repeat(64), 'exists', [], /no more than 63 characters/],
      ['a', 'in', ['v'.repeat(64)], /no more than 63 characters/],
      ['a', 'eq' as LabelSelectorOperator, ['b'], /operator "eq" is unknown/],
    ];
    for (const [key, op, values, message] of bad) {
      const err = thrown(() => newLabelRequirement(key, op, values));
      expect(err.message).toMatch(message);
      expect(err.message.startsWith('invalid label requirement: ')).toBe(true);
    }
  });

  it('add returns a new sorted selector and validates what it adds', () => {
    const base = parseLabelSelector('m=1');
    const added = base.add({ key: 'a', operator: 'in', values: ['z', 'y'] }, newLabelRequirement('z', '!'));
    expect(added.toString()).toBe('a in (y,z),m=1,!z');
    expect(base.toString()).toBe('m=1');
    expect(() => base.add({ key: 'a', operator: '=', values: [] } as LabelRequirement)).toThrow(
      SelectorParseError,
    );
  });

  it('requiresExactMatch reports a pinned value from the first requirement on the key', () => {
    const sel = parseLabelSelector('a=1,b in (2),c in (3,4),d!=5,e,f==6');
    expect(sel.requiresExactMatch('a')).toBe('1');
    expect(sel.requiresExactMatch('b')).toBe('2');
    expect(sel.requiresExactMatch('c')).toBeUndefined();
    expect(sel.requiresExactMatch('d')).toBeUndefined();
    expect(sel.requiresExactMatch('e')).toBeUndefined();
    expect(sel.requiresExactMatch('f')).toBe('6');
    expect(sel.requiresExactMatch('zzz')).toBeUndefined();
    expect(parseLabelSelector('a!=1,a=2').requiresExactMatch('a')).toBeUndefined();
  });
});

describe('label selector properties', () => {
  const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCXYZ0123456789'.split(''));
  const inner = fc.constantFrom(...'abcz09-_.'.split(''));
  const name = fc
    .tuple(alnum, fc.array(inner, { maxLength: 5 }), alnum, fc.boolean())
    .map(([a, mid, b, short]) => (short ? a : a + mid.join('') + b));
  const prefix = fc.constantFrom('', 'example.com/', 'k8s.io/', 'a-b.c/');
  const key = fc.tuple(prefix, name).map(([p, n]) => p + n);
  const value = fc.oneof(name, fc.constant(''));
  const intValue = fc.integer({ min: 0, max: 1000 }).map(String);
  const requirement: fc.Arbitrary<[string, LabelSelectorOperator, string[]]> = fc.oneof(
    fc.tuple(
      key,
      fc.constantFrom<LabelSelectorOperator>('=', '==', '!='),
      value.map((v) => [v]),
    ),
    fc.tuple(
      key,
      fc.constantFrom<LabelSelectorOperator>('in', 'notin'),
      fc.array(value, { minLength: 1, maxLength: 4 }),
    ),
    fc.tuple(key, fc.constantFrom<LabelSelectorOperator>('exists', '!'), fc.constant<string[]>([])),
    fc.tuple(
      key,
      fc.constantFrom<LabelSelectorOperator>('gt', 'lt'),
      intValue.map((v) => [v]),
    ),
  );
  const written = (k: string, op: LabelSelectorOperator, values: string[]): string => {
    switch (op) {
      case 'exists':
        return ` ${k} `;
      case '!':
        return `! ${k}`;
      case 'in':
      case 'notin':
        return `${k} ${op} ( ${values.join(' , ')} )`;
      case 'gt':
        return `${k} > ${values[0]}`;
      case 'lt':
        return `${k}<${values[0]}`;
      default:
        return `${k} ${op} ${values[0]}`;
    }
  };
  // The semantics, written out independently of the implementation.
  const oracle = (
    reqs: [string, LabelSelectorOperator, string[]][],
    labels: Record<string, string>,
  ): boolean =>
    reqs.every(([k, op, values]) => {
      const has = Object.hasOwn(labels, k);
      const v = labels[k];
      switch (op) {
        case '=':
        case '==':
        case 'in':
          return has && values.includes(v as string);
        case '!=':
        case 'notin':
          return !has || !values.includes(v as string);
        case 'exists':
          return has;
        case '!':
          return !has;
        case 'gt':
          return has && /^\d+$/.test(v as string) && Number(v) > Number(values[0]);
        case 'lt':
          return has && /^\d+$/.test(v as string) && Number(v) < Number(values[0]);
      }
      return false;
    });
  const labelsFor = (reqs: [string, LabelSelectorOperator, string[]][]) =>
    fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...reqs.map((r) => r[0])), key),
        fc.oneof(fc.constantFrom(...reqs.flatMap((r) => r[2]), '1', '0', '999'), value),
      ),
      { maxLength: 6 },
    );

  it('parses any written selector; render → parse is a fixed point; matching follows the semantics', () => {
    fc.assert(
      fc.property(
        fc
          .array(requirement, { minLength: 1, maxLength: 5 })
          .chain((reqs) =>
            fc.tuple(fc.constant(reqs), fc.array(labelsFor(reqs), { minLength: 1, maxLength: 5 })),
          ),
        ([reqs, labelSets]) => {
          const text = reqs.map(([k, op, v]) => written(k, op, v)).join(' , ');
          const sel = parseLabelSelector(text);
          const canonical = sel.toString();
          const again = parseLabelSelector(canonical);
          expect(again.toString()).toBe(canonical);
          expect(again.requirements).toEqual(sel.requirements);
          for (const entries of labelSets) {
            const labels = Object.fromEntries(entries);
            const expected = oracle(reqs, labels);
            expect(sel.matches(labels)).toBe(expected);
            expect(again.matches(labels)).toBe(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws anything but SelectorParseError on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'ab =!(),<>\t-/.in1'.split('')), maxLength: 30 }),
        (text) => {
          try {
            const sel = parseLabelSelector(text);
            expect(parseLabelSelector(sel.toString()).toString()).toBe(sel.toString());
          } catch (err) {
            expect(err).toBeInstanceOf(SelectorParseError);
            const e = err as SelectorParseError;
            expect(e.position).toBeGreaterThanOrEqual(0);
            expect(e.position).toBeLessThanOrEqual(text.length);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
