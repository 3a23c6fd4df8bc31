import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ListBodyDecoder } from '../../../src/client/list-decoder.js';

/** Feeds `bytes` cut at `cuts` (sorted positions) and returns the decoder's result. */
function decode(bytes: Buffer, cuts: number[] = []): unknown {
  const d = new ListBodyDecoder();
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    d.write(bytes.subarray(from, cut));
    from = cut;
  }
  return d.end();
}

/** Every split of `text` into two chunks, and into one-byte chunks. */
function everySplit(text: string): unknown[] {
  const bytes = Buffer.from(text);
  const out: unknown[] = [];
  for (let cut = 0; cut <= bytes.length; cut++) out.push(decode(bytes, [cut]));
  out.push(
    decode(
      bytes,
      Array.from({ length: bytes.length }, (_, i) => i),
    ),
  );
  return out;
}

// Strings that stress the scanner: quotes, backslash runs, brackets and the key itself.
const tricky = fc.oneof(
  fc.string(),
  fc.constantFrom('"', '\\', '\\\\', '\\"', '"items":[', ']}', '{[', 'zürich-名-🚀', '\u0000\n\t'),
  fc
    .array(fc.constantFrom('\\', '"', '[', ']', '{', '}', ',', 'items', ':'), { maxLength: 12 })
    .map((a) => a.join('')),
);
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    tricky,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(tricky, tie('value'), { maxKeys: 3 }),
  ),
})).value;
const item = fc.dictionary(tricky, jsonValue, { maxKeys: 4 });
const envelope = fc.record({
  kind: tricky,
  apiVersion: fc.constant('v1'),
  metadata: fc.dictionary(tricky, jsonValue, { maxKeys: 3 }),
});

describe('ListBodyDecoder', () => {
  it('gives what JSON.parse gives for any list, however the body is cut (property)', () => {
    fc.assert(
      fc.property(
        envelope,
        fc.array(item, { maxLength: 6 }),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 8 }),
        (env, items, itemsFirst, pretty, rawCuts) => {
          const list = itemsFirst ? { items, ...env } : { ...env, items };
          const text = JSON.stringify(list, null, pretty ? 2 : undefined);
          const bytes = Buffer.from(text);
          const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          expect(decode(bytes, cuts)).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('gives what JSON.parse gives for lists whose items all start alike, nested look-alikes included (property)', () => {
    // Items shaped like the apiserver's ({"metadata":…} first), some holding arrays of objects
    // that also start with "metadata" and strings that spell the boundary: the fast path must
    // either split right or hand over to the exact scanner.
    const meta = fc.record({ name: tricky, labels: fc.dictionary(tricky, tricky, { maxKeys: 2 }) });
    const apiItem = fc.record(
      {
        metadata: meta,
        spec: fc.oneof(
          jsonValue,
          fc.array(fc.record({ metadata: meta, x: jsonValue }), { maxLength: 3 }),
          fc.constantFrom('},{"metadata":', '"},{"metadata"', '\\"},{"metadata"'),
        ),
      },
      { requiredKeys: ['metadata'] },
    );
    fc.assert(
      fc.property(
        fc.array(apiItem, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.boolean(),
        (items, rawCuts, pretty) => {
          const text = JSON.stringify(
            { kind: 'List', metadata: { resourceVersion: '3' }, items },
            null,
            pretty ? 1 : undefined,
          );
          const bytes = Buffer.from(text);
          const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          expect(decode(bytes, cuts)).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('decodes apiserver-shaped items on the fast path, also across a boundary cut in two', () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({
      metadata: { name: `cm-${i}`, namespace: 'ns', resourceVersion: String(i) },
      data: { v: 'x'.repeat(i % 300), q: 'a"},{"metadata":b' },
    }));
    const text = JSON.stringify({
      kind: 'ConfigMapList',
      apiVersion: 'v1',
      metadata: { resourceVersion: '9' },
      items,
    });
    const bytes = Buffer.from(text);
    const d = new ListBodyDecoder();
    for (let i = 0; i < bytes.length; i += 4096) d.write(bytes.subarray(i, i + 4096));
    expect(d.end()).toEqual(JSON.parse(text));
    // All but the last element (it ends with "]", not with a boundary) take the fast path.
    expect(d.skimmed).toBe(items.length - 1);

    const two = Buffer.from(JSON.stringify({ items: [{ metadata: { a: 1 } }, { metadata: { b: 2 } }] }));
    const cut = two.indexOf('},{"metadata"') + 4; // inside the boundary
    const d2 = new ListBodyDecoder();
    d2.write(two.subarray(0, cut));
    expect(d2.skimmed).toBe(0);
    d2.write(two.subarray(cut));
    expect(d2.skimmed).toBe(1);
    expect(d2.end()).toEqual(JSON.parse(two.toString()));
  });

  it('splits at every byte of a list with escapes, multi-byte characters and nested "items"', () => {
    const list = {
      kind: 'ConfigMapList',
      metadata: { resourceVersion: '42', continue: 'abc\\"def' },
      items: [
        { metadata: { name: 'a"b', annotations: { 'x\\': '\\\\"items":[' } }, data: { items: '[1]' } },
        { metadata: { name: 'zürich-名' }, items: [{ items: [] }] },
        {},
      ],
    };
    const text = JSON.stringify(list);
    for (const result of everySplit(text)) expect(result).toEqual(list);
  });

  it('keeps the envelope wherever items sits (custom resource lists sort their keys)', () => {
    const text =
      '{"apiVersion":"x/v1","items":[{"a":1},{"b":2}],"kind":"FooList","metadata":{"resourceVersion":"7"}}';
    expect(decode(Buffer.from(text))).toEqual(JSON.parse(text));
  });

  it('does not take a key that merely ends in "items" for the items key', () => {
    const text = '{"a\\"items":[{"x":1}],"items":[{"y":2}]}';
    for (const result of everySplit(text)) expect(result).toEqual(JSON.parse(text));
  });

  it('passes bodies without items, with null items or with a root that is not an object', () => {
    for (const text of [
      '{"kind":"Status","code":200}',
      '{"items":null}',
      '{"items":[]}',
      '[1,2]',
      '"x"',
      '  {"items" : [ {} , {} ] }  ',
    ]) {
      for (const result of everySplit(text)) expect(result).toEqual(JSON.parse(text));
    }
  });

  /** `bad` is rejected however it is cut in two. */
  const rejectedAtEveryCut = (bad: string) => {
    const bytes = Buffer.from(bad);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(() => decode(bytes, [cut]), `${bad} cut at ${cut}`).toThrow(SyntaxError);
    }
  };

  it('rejects missing, doubled, leading and trailing commas between items, wherever the body is cut', () => {
    for (const bad of [
      '{"items":[{},,{}]}',
      '{"items":[{}{}]}',
      '{"items":[,{}]}',
      '{"items":[{},]}',
      '{"items":[{} {"a":1}]}',
    ]) {
      expect(() => JSON.parse(bad), bad).toThrow(SyntaxError);
      rejectedAtEveryCut(bad);
    }
  });

  it('returns undefined for an empty body', () => {
    expect(decode(Buffer.alloc(0))).toBeUndefined();
  });

  it('rejects truncated and malformed bodies with a SyntaxError', () => {
    const full = JSON.stringify({ kind: 'List', items: [{ a: 'b' }, { c: 'd' }] });
    for (let cut = 1; cut < full.length; cut++) {
      expect(() => decode(Buffer.from(full.slice(0, cut))), `cut at ${cut}`).toThrow(SyntaxError);
    }
    for (const bad of [
      '{"items":[1,2]}',
      '{"items":["a"]}',
      '{"items":[{"a":1}]}}',
      '{"items":[{"a":1}]} x',
      '{"items":[{"a":}]}',
      '{"kind":}',
      '[1,',
    ]) {
      rejectedAtEveryCut(bad);
    }
  });
});
