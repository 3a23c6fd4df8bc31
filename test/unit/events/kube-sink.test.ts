import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../../../src/client/kube-client.js';
import type { ResourceType } from '../../../src/client/resource-type.js';
import type { EventWrite } from '../../../src/events/event-record.js';
import { KubeEventSink } from '../../../src/events/kube-sink.js';
import { apiError } from './support.js';

interface Call {
  group: string;
  op: string;
  args: unknown[];
}

/** Just enough of a KubeClient for the sink: discovery of one group version and create/patch. */
function stubKube(discovery: () => Promise<{ resources: { name: string }[] }>) {
  const calls: Call[] = [];
  const kube = {
    discovery: {
      resources: async (gv: string) => {
        calls.push({ group: 'discovery', op: 'resources', args: [gv] });
        return discovery();
      },
    },
    resource: (type: ResourceType) => ({
      create: async (obj: unknown) => {
        calls.push({ group: type.group || 'core', op: 'create', args: [obj] });
        return obj;
      },
      patch: async (name: string, body: unknown, options: unknown) => {
        calls.push({ group: type.group || 'core', op: 'patch', args: [name, body, options] });
        return body;
      },
    }),
  } as unknown as KubeClient;
  return { kube, calls };
}

const event: EventWrite = {
  name: 'a.0000000000000001',
  namespace: 'ns1',
  regarding: { kind: 'Pod', name: 'a', namespace: 'ns1' },
  type: 'Normal',
  reason: 'R',
  action: 'R',
  note: 'm',
  reportingController: 'c',
  reportingInstance: 'h',
  count: 2,
  firstTime: new Date(0),
  lastTime: new Date(1000),
};

const signal = new AbortController().signal;

describe('KubeEventSink', () => {
  it('auto: writes events.k8s.io/v1 when discovery lists events, asking only once', async () => {
    const { kube, calls } = stubKube(async () => ({ resources: [{ name: 'events' }] }));
    const sink = new KubeEventSink(kube);
    expect(sink.apiVersion).toBeUndefined();
    await sink.create(event, signal);
    await sink.update(event, signal);
    expect(sink.apiVersion).toBe('events.k8s.io/v1');
    expect(calls.map((c) => `${c.group} ${c.op}`)).toEqual([
      'discovery resources',
      'events.k8s.io create',
      'events.k8s.io patch',
    ]);
    expect(calls[2]?.args).toEqual([
      event.name,
      { series: { count: 2, lastObservedTime: '1970-01-01T00:00:01.000000Z' } },
      { namespace: 'ns1', signal, type: 'merge' },
    ]);
  });

  it('auto: falls back to core/v1 when the server does not serve events.k8s.io/v1 (404)', async () => {
    const { kube, calls } = stubKube(async () => {
      throw apiError(404, 'NotFound');
    });
    const sink = new KubeEventSink(kube);
    await sink.create(event, signal);
    await sink.update(event, signal);
    expect(sink.apiVersion).toBe('v1');
    expect(calls.map((c) => `${c.group} ${c.op}`)).toEqual([
      'discovery resources',
      'core create',
      'core patch',
    ]);
    expect(calls[1]?.args[0]).toMatchObject({
      apiVersion: 'v1',
      kind: 'Event',
      count: 2,
      involvedObject: event.regarding,
    });
  });

  it('auto: a transient discovery error fails the write (to be retried) and decides nothing', async () => {
    let fail = true;
    const { kube } = stubKube(async () => {
      if (fail) throw apiError(503, 'ServiceUnavailable');
      return { resources: [{ name: 'events' }] };
    });
    const sink = new KubeEventSink(kube);
    await expect(sink.create(event, signal)).rejects.toMatchObject({ code: 503 });
    expect(sink.apiVersion).toBeUndefined();
    fail = false;
    await sink.create(event, signal);
    expect(sink.apiVersion).toBe('events.k8s.io/v1');
  });

  it('a forced API skips discovery', async () => {
    const { kube, calls } = stubKube(async () => ({ resources: [] }));
    await new KubeEventSink(kube, 'v1').create(event, signal);
    expect(calls.map((c) => `${c.group} ${c.op}`)).toEqual(['core create']);
  });
});
