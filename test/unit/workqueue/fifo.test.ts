import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fifo } from '../../../src/workqueue/fifo.js';

describe('Fifo', () => {
  it('behaves like an array queue for any sequence of pushes and shifts', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.constant(null)), { maxLength: 400 }), (ops) => {
        const fifo = new Fifo<number>();
        const model: number[] = [];
        for (const op of ops) {
          if (op === null) expect(fifo.shift()).toBe(model.shift());
          else {
            fifo.push(op);
            model.push(op);
          }
          expect(fifo.length).toBe(model.length);
        }
        while (model.length > 0) expect(fifo.shift()).toBe(model.shift());
        expect(fifo.shift()).toBeUndefined();
      }),
    );
  });

  it('keeps order across growth, wrap-around and shrinking after a burst', () => {
    const fifo = new Fifo<number>();
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 10_000; i++) fifo.push(next++);
      for (let i = 0; i < 9_990; i++) expect(fifo.shift()).toBe(expected++);
    }
    expect(fifo.length).toBe(30);
    while (fifo.length > 0) expect(fifo.shift()).toBe(expected++);
    expect(expected).toBe(next);
  });

  it('removes a value from the middle, keeping the others in order', () => {
    const fifo = new Fifo<string>();
    for (const v of ['a', 'b', 'c', 'd']) fifo.push(v);
    fifo.shift();
    fifo.push('e');
    expect(fifo.remove('c')).toBe(true);
    expect(fifo.remove('zz')).toBe(false);
    const out: (string | undefined)[] = [];
    while (fifo.length > 0) out.push(fifo.shift());
    expect(out).toEqual(['b', 'd', 'e']);
  });
});
