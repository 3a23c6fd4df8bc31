import { describe, expect, it } from 'vitest';
import { ProcessorListener } from '../../../src/informers/processor-listener.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';

type Obj = { metadata: { name: string } };
const obj = (name: string): Obj => ({ metadata: { name } });

describe('ProcessorListener backlog and lag', () => {
  it('reports how many notifications wait and how long the oldest has waited', async () => {
    const clock = new FakeClock();
    const release: (() => void)[] = [];
    const seen: string[] = [];
    const listener = new ProcessorListener<Obj>(
      {
        // Each call holds the handler until the test releases it.
        onAdd: (o) => {
          seen.push(o.metadata.name);
          return new Promise<void>((r) => release.push(r));
        },
      },
      0,
      () => true,
      () => {},
      clock,
    );
    expect(listener.backlog).toBe(0);
    expect(listener.lagMs()).toBe(0);

    listener.add({ kind: 'add', obj: obj('a'), isInInitialList: false });
    clock.step(100);
    listener.add({ kind: 'add', obj: obj('b'), isInInitialList: false });
    clock.step(150);
    expect(listener.backlog).toBe(2);
    expect(listener.lagMs()).toBe(250);

    const running = listener.run();
    await new Promise((r) => setImmediate(r));
    // "a" is with the handler; "b" waits, queued 150 ms ago.
    expect(seen).toEqual(['a']);
    expect(listener.backlog).toBe(1);
    expect(listener.lagMs()).toBe(150);

    release.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['a', 'b']);
    expect(listener.backlog).toBe(0);
    expect(listener.lagMs()).toBe(0);

    release.shift()!();
    listener.stop();
    await running;
  });
});
