import { describe, expect, it } from 'vitest';
import {
  coreV1Patch,
  eventsV1Patch,
  microTime,
  toCoreV1,
  toEventsV1,
} from '../../../src/events/api-objects.js';
import type { EventWrite } from '../../../src/events/event-record.js';

const write = (count: number): EventWrite => ({
  name: 'web-0.17a6101701234567',
  namespace: 'ns1',
  regarding: {
    apiVersion: 'v1',
    kind: 'Pod',
    namespace: 'ns1',
    name: 'web-0',
    uid: 'u1',
    resourceVersion: '7',
  },
  related: { apiVersion: 'v1', kind: 'Node', name: 'node-1' },
  type: 'Warning',
  reason: 'BackOff',
  action: 'Restarting',
  note: 'back-off',
  reportingController: 'kubelet',
  reportingInstance: 'node-1',
  count,
  firstTime: new Date('2024-05-01T10:00:00.123Z'),
  lastTime: new Date('2024-05-01T10:05:00.456Z'),
});

describe('API objects', () => {
  it('MicroTime has exactly six fractional digits', () => {
    expect(microTime(new Date('2024-05-01T10:00:00.123Z'))).toBe('2024-05-01T10:00:00.123000Z');
    expect(microTime(new Date('2024-05-01T10:00:00Z'))).toBe('2024-05-01T10:00:00.000000Z');
  });

  it('events.k8s.io/v1: a single event has no series; a count above 1 is a series', () => {
    expect(toEventsV1(write(1))).toEqual({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'web-0.17a6101701234567', namespace: 'ns1' },
      eventTime: '2024-05-01T10:00:00.123000Z',
      reportingController: 'kubelet',
      reportingInstance: 'node-1',
      action: 'Restarting',
      reason: 'BackOff',
      regarding: write(1).regarding,
      related: write(1).related,
      note: 'back-off',
      type: 'Warning',
    });
    expect(toEventsV1(write(3)).series).toEqual({
      count: 3,
      lastObservedTime: '2024-05-01T10:05:00.456000Z',
    });
    // Every other field of an events.k8s.io Event is immutable: the patch touches only series.
    expect(eventsV1Patch(write(4))).toEqual({
      series: { count: 4, lastObservedTime: '2024-05-01T10:05:00.456000Z' },
    });
  });

  it('core/v1: involvedObject, source, timestamps in seconds, count, no eventTime', () => {
    const core = toCoreV1(write(2));
    expect(core).toMatchObject({
      apiVersion: 'v1',
      kind: 'Event',
      involvedObject: write(2).regarding,
      message: 'back-off',
      source: { component: 'kubelet', host: 'node-1' },
      reportingComponent: 'kubelet',
      reportingInstance: 'node-1',
      firstTimestamp: '2024-05-01T10:00:00Z',
      lastTimestamp: '2024-05-01T10:05:00Z',
      count: 2,
    });
    expect(core.eventTime).toBeUndefined();
    expect(coreV1Patch(write(5))).toEqual({
      count: 5,
      lastTimestamp: '2024-05-01T10:05:00Z',
      message: 'back-off',
    });
  });
});
