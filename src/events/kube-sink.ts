import { isNotFound } from '../client/api-error.js';
import { CoreEvents, Events } from '../client/builtin-resources.js';
import type { KubeClient } from '../client/kube-client.js';
import { coreV1Patch, eventsV1Patch, toCoreV1, toEventsV1 } from './api-objects.js';
import type { EventWrite } from './event-record.js';
import type { EventSink } from './sink.js';
import type { EventApiVersion } from './types.js';

/**
 * An {@link EventSink} writing to the API server through `kube`. With `'auto'` it asks discovery
 * once, before its first write, whether the server serves events.k8s.io/v1, and writes core/v1
 * Events when it answers 404 (a transient discovery error fails that write, which is retried).
 */
export class KubeEventSink implements EventSink {
  private resolved: EventApiVersion | undefined;

  constructor(
    private readonly kube: KubeClient,
    apiVersion: EventApiVersion | 'auto' = 'auto',
  ) {
    if (apiVersion !== 'auto') this.resolved = apiVersion;
  }

  /** The API written to; undefined in auto mode until the first write found out. */
  get apiVersion(): EventApiVersion | undefined {
    return this.resolved;
  }

  async create(event: EventWrite, signal: AbortSignal): Promise<void> {
    if ((await this.resolve(signal)) === 'events.k8s.io/v1') {
      await this.kube.resource(Events).create(toEventsV1(event), { signal });
    } else {
      await this.kube.resource(CoreEvents).create(toCoreV1(event), { signal });
    }
  }

  async update(event: EventWrite, signal: AbortSignal): Promise<void> {
    const options = { namespace: event.namespace, signal, type: 'merge' as const };
    if ((await this.resolve(signal)) === 'events.k8s.io/v1') {
      await this.kube.resource(Events).patch(event.name, eventsV1Patch(event), options);
    } else {
      await this.kube.resource(CoreEvents).patch(event.name, coreV1Patch(event), options);
    }
  }

  private async resolve(signal: AbortSignal): Promise<EventApiVersion> {
    if (this.resolved) return this.resolved;
    try {
      const list = await this.kube.discovery.resources('events.k8s.io/v1', { signal });
      this.resolved = list.resources.some((r) => r.name === 'events') ? 'events.k8s.io/v1' : 'v1';
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.resolved = 'v1';
    }
    return this.resolved;
  }
}
