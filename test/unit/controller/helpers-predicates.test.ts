import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/client/index.js';
import {
  annotationsChanged,
  anyOf,
  Controller,
  generationChanged,
  labelsChanged,
  type Predicate,
  type Request,
  resourceVersionChanged,
} from '../../../src/controller/index.js';
import { SharedIndexInformer } from '../../../src/informers/shared-informer.js';
import { FakeClock, FakeListWatch } from '../../../src/testing/index.js';

const obj = (meta: ConfigMap['metadata'] = {}): ConfigMap => ({
  metadata: { name: 'o', namespace: 'ns', resourceVersion: '1', ...meta },
});

describe('labelsChanged', () => {
  const changed = (a?: Record<string, string>, b?: Record<string, string>) =>
    labelsChanged.update?.(obj({ labels: a }), obj({ labels: b }));

  it('passes updates whose labels differ: a value, an added or removed key, a renamed key', () => {
    expect(changed({ app: 'a' }, { app: 'b' })).toBe(true);
    expect(changed({ app: 'a' }, { app: 'a', tier: 'web' })).toBe(true);
    expect(changed({ app: 'a', tier: 'web' }, { app: 'a' })).toBe(true);
    expect(changed({ app: 'a' }, { tier: 'a' })).toBe(true);
    expect(changed(undefined, { app: 'a' })).toBe(true);
    expect(changed({ app: 'a' }, undefined)).toBe(true);
    expect(changed({ app: '' }, {})).toBe(true);
  });

  it('drops updates with the same labels, in any key order, missing and empty being the same', () => {
    expect(changed({ app: 'a', tier: 'web' }, { tier: 'web', app: 'a' })).toBe(false);
    expect(changed(undefined, undefined)).toBe(false);
    expect(changed(undefined, {})).toBe(false);
    expect(changed({}, undefined)).toBe(false);
  });

  it('ignores everything but labels', () => {
    const a = obj({ labels: { app: 'a' }, annotations: { x: '1' }, resourceVersion: '1', generation: 1 });
    const b = obj({ labels: { app: 'a' }, annotations: { x: '2' }, resourceVersion: '2', generation: 2 });
    expect(labelsChanged.update?.(a, b)).toBe(false);
  });

  it('leaves create and delete events through (no filter for them)', () => {
    expect(labelsChanged.create).toBeUndefined();
    expect(labelsChanged.delete).toBeUndefined();
  });
});

describe('annotationsChanged', () => {
  const changed = (a?: Record<string, string>, b?: Record<string, string>) =>
    annotationsChanged.update?.(obj({ annotations: a }), obj({ annotations: b }));

  it('passes updates whose annotations differ', () => {
    expect(changed({ note: 'a' }, { note: 'b' })).toBe(true);
    expect(changed(undefined, { note: 'a' })).toBe(true);
    expect(changed({ note: 'a', other: 'x' }, { note: 'a', another: 'x' })).toBe(true);
  });

  it('drops updates with the same annotations, whatever else changed', () => {
    expect(changed({ a: '1', b: '2' }, { b: '2', a: '1' })).toBe(false);
    expect(changed(undefined, {})).toBe(false);
    const a = obj({ annotations: { a: '1' }, labels: { x: '1' }, resourceVersion: '1' });
    const b = obj({ annotations: { a: '1' }, labels: { x: '2' }, resourceVersion: '2' });
    expect(annotationsChanged.update?.(a, b)).toBe(false);
  });

  it('leaves create and delete events through', () => {
    expect(annotationsChanged.create).toBeUndefined();
    expect(annotationsChanged.delete).toBeUndefined();
  });
});

describe('resourceVersionChanged', () => {
  it('drops resync updates (same resourceVersion) and passes real ones', () => {
    expect(
      resourceVersionChanged.update?.(obj({ resourceVersion: '5' }), obj({ resourceVersion: '5' })),
    ).toBe(false);
    expect(
      resourceVersionChanged.update?.(obj({ resourceVersion: '5' }), obj({ resourceVersion: '6' })),
    ).toBe(true);
    // Even when nothing else differs: a new resourceVersion is a write on the server.
    const a = obj({ resourceVersion: '5', labels: { x: '1' } });
    expect(
      resourceVersionChanged.update?.(a, { ...a, metadata: { ...a.metadata, resourceVersion: '7' } }),
    ).toBe(true);
  });

  it('leaves create and delete events through', () => {
    expect(resourceVersionChanged.create).toBeUndefined();
    expect(resourceVersionChanged.delete).toBeUndefined();
  });
});

describe('anyOf', () => {
  const only = (verdict: boolean): Predicate => ({
    create: () => verdict,
    update: () => verdict,
    delete: () => verdict,
  });

  it('passes an event when at least one predicate passes it', () => {
    const p = anyOf(only(false), only(true));
    expect(p.create?.(obj())).toBe(true);
    expect(p.update?.(obj(), obj())).toBe(true);
    expect(p.delete?.(obj())).toBe(true);
  });

  it('drops an event when every predicate drops it', () => {
    const p = anyOf(only(false), only(false));
    expect(p.create?.(obj())).toBe(false);
    expect(p.update?.(obj(), obj())).toBe(false);
    expect(p.delete?.(obj())).toBe(false);
  });

  it('counts a predicate without a method for that event as passing', () => {
    const p = anyOf<KubeObject>(labelsChanged, annotationsChanged);
    // Neither filters creates or deletes.
    expect(p.create?.(obj())).toBe(true);
    expect(p.delete?.(obj())).toBe(true);
    const dropsUpdates: Predicate = { update: () => false };
    expect(anyOf(dropsUpdates, { update: () => false }).create?.(obj())).toBe(true);
  });

  it('combines labelsChanged and annotationsChanged: either change passes, neither drops', () => {
    const p = anyOf<KubeObject>(labelsChanged, annotationsChanged);
    const base = obj({ labels: { a: '1' }, annotations: { n: '1' }, resourceVersion: '1' });
    const withMeta = (meta: ConfigMap['metadata']) => ({ ...base, metadata: { ...base.metadata, ...meta } });
    expect(p.update?.(base, withMeta({ labels: { a: '2' } }))).toBe(true);
    expect(p.update?.(base, withMeta({ annotations: { n: '2' } }))).toBe(true);
    expect(p.update?.(base, withMeta({ resourceVersion: '2', generation: 3 }))).toBe(false);
  });

  it('passes the event objects through to every predicate until one passes', () => {
    const seen: string[] = [];
    const spy = (name: string, verdict: boolean): Predicate => ({
      update: (a, b) => {
        seen.push(`${name}:${a.metadata?.resourceVersion}->${b.metadata?.resourceVersion}`);
        return verdict;
      },
    });
    const p = anyOf(spy('first', false), spy('second', true), spy('third', true));
    expect(p.update?.(obj({ resourceVersion: '1' }), obj({ resourceVersion: '2' }))).toBe(true);
    expect(seen).toEqual(['first:1->2', 'second:1->2']);
  });
});

describe('predicates in a Controller', () => {
  const stops: AbortController[] = [];
  afterEach(() => {
    for (const s of stops.splice(0)) s.abort();
  });

  it('reconciles only the updates that anyOf(labelsChanged, annotationsChanged) passes', async () => {
    const clock = new FakeClock();
    const lw = new FakeListWatch<ConfigMap>([obj({ name: 'a', resourceVersion: '1' })]);
    const informer = new SharedIndexInformer(lw);
    const reconciled: string[] = [];
    const controller = new Controller({
      name: 'predicates',
      clock,
      reconcile: async (req: Request) => {
        reconciled.push(req.name);
        return undefined;
      },
    });
    controller.for(informer, anyOf<ConfigMap>(labelsChanged, annotationsChanged));
    const stop = new AbortController();
    stops.push(stop);
    void informer.run(stop.signal);
    void controller.run(stop.signal);
    const settle = async (ms = 0) => {
      for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
      await clock.advance(ms);
      for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
    };
    await settle(100);
    await settle(100);
    expect(reconciled).toEqual(['a']);

    lw.modify(obj({ name: 'a', resourceVersion: '2', generation: 2 }));
    await settle();
    expect(reconciled).toEqual(['a']);

    lw.modify(obj({ name: 'a', resourceVersion: '3', labels: { app: 'x' } }));
    await settle();
    expect(reconciled).toEqual(['a', 'a']);

    lw.modify(obj({ name: 'a', resourceVersion: '4', labels: { app: 'x' }, annotations: { n: '1' } }));
    await settle();
    expect(reconciled).toEqual(['a', 'a', 'a']);
  });

  it('anyOf(generationChanged, resourceVersionChanged) passes a metadata-only write and drops a resync', () => {
    const p = anyOf<KubeObject>(generationChanged, resourceVersionChanged);
    expect(
      p.update?.(obj({ generation: 1, resourceVersion: '1' }), obj({ generation: 1, resourceVersion: '2' })),
    ).toBe(true);
    expect(
      p.update?.(obj({ generation: 1, resourceVersion: '2' }), obj({ generation: 1, resourceVersion: '2' })),
    ).toBe(false);
  });
});
