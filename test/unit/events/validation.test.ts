import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/common/errors.js';
import { BoundedQueue } from '../../../src/events/bounded-queue.js';
import { EventNamer, namePrefix } from '../../../src/events/event-name.js';
import { objectReference } from '../../../src/events/object-reference.js';
import {
  assertReportingController,
  assertReportingInstance,
  checkShortField,
  isDnsSubdomain,
  truncateNote,
} from '../../../src/events/validation.js';

describe('truncateNote', () => {
  it('leaves messages within 1024 bytes alone', () => {
    expect(truncateNote('a'.repeat(1024))).toBe('a'.repeat(1024));
    expect(truncateNote('é'.repeat(512))).toBe('é'.repeat(512));
  });

  it('cuts longer ones at a character boundary and marks the cut', () => {
    for (const ch of ['a', 'é', '€', '😀']) {
      const cut = truncateNote(ch.repeat(2000));
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1024);
      expect(cut.endsWith('…')).toBe(true);
      expect(cut.slice(0, -1)).toBe(ch.repeat([...cut.slice(0, -1)].length));
    }
  });
});

describe('field checks', () => {
  it('reason and action: non-empty, at most 128 bytes', () => {
    expect(checkShortField('reason', 'Started')).toBeUndefined();
    expect(checkShortField('reason', '')).toMatch(/non-empty/);
    expect(checkShortField('reason', undefined)).toMatch(/non-empty/);
    expect(checkShortField('reason', 'é'.repeat(65))).toMatch(/128/);
  });

  it('component must be a qualified name, instance at most 128 bytes', () => {
    for (const ok of ['kubelet', 'tenant-operator', 'example.com/tenant-operator', 'A_b.c']) {
      expect(() => assertReportingController(ok)).not.toThrow();
    }
    for (const bad of [
      '',
      'has space',
      '-lead',
      'trail-',
      'x'.repeat(64),
      'Bad_Prefix/name',
      '/name',
      'a/',
    ]) {
      expect(() => assertReportingController(bad)).toThrow(ConfigError);
    }
    expect(() => assertReportingInstance('host-1')).not.toThrow();
    expect(() => assertReportingInstance('')).toThrow(ConfigError);
  });
});

describe('event names', () => {
  it('are <object name>.<16 hex digits>, unique even within one millisecond', () => {
    const namer = new EventNamer();
    const names = new Set<string>();
    for (let i = 0; i < 10_000; i++) names.add(namer.next('web-0', 1_714_557_600_123));
    expect(names.size).toBe(10_000);
    for (const n of names) expect(n).toMatch(/^web-0\.[0-9a-f]{16}$/);
  });

  it('make any object name a valid DNS subdomain of legal length', () => {
    expect(namePrefix('web-0.example')).toBe('web-0.example');
    expect(namePrefix('system:controller:job-controller')).toBe('system-controller-job-controller');
    expect(namePrefix('UPPER_case')).toBe('upper-case');
    expect(namePrefix(':::')).toBe('event');
    const long = namePrefix('a'.repeat(300));
    expect(long.length).toBe(236);
    for (const raw of ['a..b', '-x-', 'x'.repeat(253), 'ä', 'a.-b']) {
      const name = new EventNamer().next(raw, 0);
      expect(isDnsSubdomain(name)).toBe(true);
    }
  });
});

describe('objectReference', () => {
  it('references an object by apiVersion, kind, namespace, name, uid and resourceVersion', () => {
    const ref = objectReference({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'ns1', uid: 'u', resourceVersion: '9', labels: { a: 'b' } },
    });
    expect(ref).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
      namespace: 'ns1',
      uid: 'u',
      resourceVersion: '9',
    });
  });

  it('takes a ready reference with its fieldPath', () => {
    expect(objectReference({ kind: 'Pod', name: 'p', fieldPath: 'spec.containers{app}' })).toEqual({
      kind: 'Pod',
      name: 'p',
      fieldPath: 'spec.containers{app}',
    });
  });

  it('fills kind and apiVersion from a type, and explains what is missing', () => {
    const type = {
      group: 'example.com',
      version: 'v1',
      resource: 'tenants',
      kind: 'Tenant',
      namespaced: false,
    };
    expect(objectReference({ metadata: { name: 't' } }, type)).toEqual({
      apiVersion: 'example.com/v1',
      kind: 'Tenant',
      name: 't',
    });
    expect(objectReference({ metadata: { name: 't' } })).toMatch(/no kind/);
    expect(objectReference({ kind: 'Pod', metadata: {} })).toMatch(/no name/);
  });
});

describe('BoundedQueue', () => {
  it('is a FIFO that refuses pushes when full', async () => {
    const q = new BoundedQueue<number>(3);
    expect([q.push(1), q.push(2), q.push(3), q.push(4)]).toEqual([true, true, true, false]);
    expect(q.shift()).toBe(1);
    expect(q.push(5)).toBe(true);
    expect(q.drain()).toEqual([2, 3, 5]);
    expect(q.shift()).toBeUndefined();
    const ac = new AbortController();
    const waiting = q.whenNonEmpty(ac.signal);
    q.push(6);
    await waiting;
    ac.abort();
    await q.whenNonEmpty(ac.signal); // resolves at once when aborted
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
  });
});
