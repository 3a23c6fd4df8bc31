import { randomBytes } from 'node:crypto';
import type { ConfigMap, Event as CoreEvent } from 'kubernetes-types/core/v1.js';
import type { Event as EventsV1Event } from 'kubernetes-types/events/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigMaps,
  CoreEvents,
  Events,
  isForbidden,
  type KubeClient,
  Namespaces,
} from '../../../src/client/index.js';
import { EventBroadcaster, type EventError, KubeEventSink } from '../../../src/events/index.js';
import { clientAs, skipUnlessAvailable } from '../support/kube.js';
import { useTestNamespace } from '../support/test-namespace.js';

describe('EventRecorder against kube-apiserver', () => {
  const ns = useTestNamespace('events');
  let kube: KubeClient;
  let cm: ConfigMap;
  const inDefault: { api: 'v1' | 'events'; name: string }[] = [];

  beforeAll(async () => {
    kube = await clientAs('admin');
    cm = await kube
      .resource(ConfigMaps)
      .namespace(ns())
      .create({ metadata: { name: 'subject' }, data: {} });
  });
  afterAll(async () => {
    for (const e of inDefault) {
      const client = e.api === 'v1' ? kube.resource(CoreEvents) : kube.resource(Events);
      await client.delete(e.name, { namespace: 'default' }).catch(() => {});
    }
    await kube.close();
  });

  function broadcaster(options: Partial<ConstructorParameters<typeof EventBroadcaster>[0]> = {}) {
    const errors: EventError[] = [];
    const b = new EventBroadcaster({
      kube,
      component: 'kubekit-test',
      instance: 'it-host',
      onError: (err) => errors.push(err),
      ...options,
    });
    const loop = b.start();
    return { b, errors, loop };
  }

  async function eventsV1About(name: string, namespace = ns()): Promise<EventsV1Event[]> {
    const list = await kube.resource(Events).namespace(namespace).list();
    return list.items.filter((e) => e.regarding?.name === name);
  }

  it('writes events.k8s.io/v1 Events with regarding, reason, note, type, action and reporting fields', async () => {
    const { b, errors, loop } = broadcaster();
    b.newRecorder().event(cm, 'Warning', 'BadConfig', 'key "x" is missing', { action: 'Validating' });
    await b.shutdown();
    await loop;
    expect(errors).toEqual([]);
    const [event, ...rest] = (await eventsV1About('subject')).filter((e) => e.reason === 'BadConfig');
    expect(rest).toEqual([]);
    // (List items carry no apiVersion/kind; eventTime shows it was written through events.k8s.io.)
    expect(event).toMatchObject({
      type: 'Warning',
      reason: 'BadConfig',
      action: 'Validating',
      note: 'key "x" is missing',
      reportingController: 'kubekit-test',
      reportingInstance: 'it-host',
      regarding: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: ns(),
        name: 'subject',
        uid: cm.metadata?.uid,
        resourceVersion: cm.metadata?.resourceVersion,
      },
    });
    expect(event?.metadata?.name).toMatch(/^subject\.[0-9a-f]{16}$/);
    expect(event?.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(event?.series).toBeUndefined();
    expect(b.stats).toMatchObject({ emitted: 1, written: 1, dropped: 0, writeErrors: 0 });
  });

  it('turns repeated identical events into one Event with a series count', async () => {
    const { b, errors, loop } = broadcaster();
    const recorder = b.newRecorder();
    for (let i = 0; i < 6; i++) recorder.event(cm, 'Normal', 'Repeated', 'same thing again');
    await b.shutdown();
    await loop;
    expect(errors).toEqual([]);
    const events = (await eventsV1About('subject')).filter((e) => e.reason === 'Repeated');
    expect(events).toHaveLength(1);
    expect(events[0]?.series?.count).toBe(6);
    expect(events[0]?.series?.lastObservedTime).toBeTruthy();
  });

  it('combines many similar events into one "(combined from similar events)" Event', async () => {
    const { b, errors, loop } = broadcaster();
    const recorder = b.newRecorder();
    for (let i = 1; i <= 12; i++) recorder.event(cm, 'Warning', 'Similar', `attempt ${i} failed`);
    await b.shutdown();
    await loop;
    expect(errors).toEqual([]);
    const events = (await eventsV1About('subject')).filter((e) => e.reason === 'Similar');
    expect(events).toHaveLength(10);
    const combined = events.filter((e) => e.note?.startsWith('(combined from similar events): '));
    expect(combined).toHaveLength(1);
    expect(combined[0]?.series?.count).toBe(3);
    expect(b.stats.aggregated).toBe(3);
  });

  it('auto mode finds events.k8s.io/v1 served', async () => {
    const sink = new KubeEventSink(kube);
    const { b, loop } = broadcaster({ sink });
    b.newRecorder().event(cm, 'Normal', 'Auto', 'which API?');
    await b.shutdown();
    await loop;
    expect(sink.apiVersion).toBe('events.k8s.io/v1');
    expect((await eventsV1About('subject')).some((e) => e.reason === 'Auto')).toBe(true);
  });

  it('writes core/v1 Events with involvedObject, source and count when forced to v1', async () => {
    const { b, errors, loop } = broadcaster({ apiVersion: 'v1' });
    const recorder = b.newRecorder();
    for (let i = 0; i < 3; i++) recorder.event(cm, 'Normal', 'CoreRepeated', 'core path');
    await b.shutdown();
    await loop;
    expect(errors).toEqual([]);
    const list = await kube.resource(CoreEvents).namespace(ns()).list();
    const events = list.items.filter((e: CoreEvent) => e.reason === 'CoreRepeated');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'Normal',
      message: 'core path',
      count: 3,
      source: { component: 'kubekit-test', host: 'it-host' },
      reportingComponent: 'kubekit-test',
      reportingInstance: 'it-host',
      involvedObject: { kind: 'ConfigMap', name: 'subject', namespace: ns(), uid: cm.metadata?.uid },
    });
    expect(events[0]?.firstTimestamp).toBeTruthy();
    // Written through core/v1, as tools/record does: no eventTime.
    expect(events[0]?.eventTime ?? undefined).toBeUndefined();
    expect(events[0]?.lastTimestamp).toBeTruthy();
  });

  it('reports an RBAC denial through onError instead of throwing', async (ctx) => {
    // The local plane's kubekit-restricted, allowed nothing.
    skipUnlessAvailable(ctx, ['restricted']);
    const restricted = await clientAs('restricted');
    try {
      const { b, errors, loop } = broadcaster({ kube: restricted, apiVersion: 'events.k8s.io/v1' });
      expect(() => b.newRecorder().event(cm, 'Normal', 'Denied', 'no rights')).not.toThrow();
      await b.shutdown();
      await loop;
      expect(errors).toHaveLength(1);
      expect(errors[0]?.reason).toBe('WriteFailed');
      expect(isForbidden(errors[0]?.cause)).toBe(true);
      expect(b.stats).toMatchObject({ written: 0, dropped: 1, writeErrors: 1 });
    } finally {
      await restricted.close();
    }
  });

  it('puts events about cluster-scoped objects in default, with names the API accepts and long notes cut', async () => {
    const namespace = await kube.resource(Namespaces).get(ns());
    const role = `kubekit:test:${randomBytes(3).toString('hex')}`;
    const { b, errors, loop } = broadcaster();
    const recorder = b.newRecorder();
    recorder.event(namespace, 'Normal', 'Observed', 'a cluster-scoped object');
    recorder.event(
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: role },
      'Normal',
      'Observed',
      'x'.repeat(5000),
    );
    await b.shutdown();
    await loop;
    expect(errors).toEqual([]);
    const list = await kube.resource(Events).namespace('default').list();
    const mine = list.items.filter((e) => e.regarding?.name === ns() || e.regarding?.name === role);
    for (const e of mine) inDefault.push({ api: 'events', name: e.metadata?.name ?? '' });
    expect(mine).toHaveLength(2);
    const aboutRole = mine.find((e) => e.regarding?.name === role);
    expect(aboutRole?.metadata?.name).toMatch(/^kubekit-test-[0-9a-f]{6}\.[0-9a-f]{16}$/);
    expect(Buffer.byteLength(aboutRole?.note ?? '')).toBeLessThanOrEqual(1024);
  });
});
