import { describe, expect, it } from 'vitest';
import { KubeClient } from '../../../src/client/kube-client.js';
import type { ConnectionConfig } from '../../../src/client/kubeconfig/index.js';
import { Manager, managerDefaultRateLimit } from '../../../src/controller/index.js';

const connection: ConnectionConfig = {
  server: 'https://127.0.0.1:1',
  namespace: 'default',
  tls: { insecureSkipVerify: false },
  auth: { authorization: async () => undefined, invalidate: async () => false },
  identity: 'manager-rate-limit-test',
};

function recordingLogger() {
  const lines: { message: string; fields?: Record<string, unknown> }[] = [];
  const log = (message: string, fields?: Record<string, unknown>) => lines.push({ message, fields });
  return { lines, logger: { debug: log, info: log, warn: log, error: log } };
}

describe('Manager client rate limit', () => {
  it("gives a client with no chosen limit controller-runtime's 20 / 30, and logs it at start", async () => {
    const kube = new KubeClient(connection);
    expect(kube.rest.rateLimit).toEqual({ qps: 5, burst: 10, chosen: false });
    const { lines, logger } = recordingLogger();
    const manager = new Manager({ kube, logger });
    expect(kube.rest.rateLimit).toMatchObject(managerDefaultRateLimit);
    expect(managerDefaultRateLimit).toEqual({ qps: 20, burst: 30 });
    const stop = new AbortController();
    stop.abort();
    await manager.start(stop.signal);
    const starting = lines.find((l) => l.message.endsWith('starting'));
    expect(starting?.fields).toMatchObject({ qps: 20, burst: 30 });
    expect(String(starting?.fields?.rateLimit)).toMatch(/^default/);
  });

  it('keeps limits the user chose, and says they were chosen', async () => {
    for (const [options, expected] of [
      [{ qps: 7 }, { qps: 7, burst: 10 }],
      [{ burst: 3 }, { qps: 5, burst: 3 }],
      [
        { qps: 100, burst: 200 },
        { qps: 100, burst: 200 },
      ],
      [{ qps: -1 }, { qps: -1, burst: 10 }],
    ] as const) {
      const kube = new KubeClient(connection, options);
      const { lines, logger } = recordingLogger();
      const manager = new Manager({ kube, logger });
      expect(kube.rest.rateLimit).toEqual({ ...expected, chosen: true });
      const stop = new AbortController();
      stop.abort();
      await manager.start(stop.signal);
      expect(lines.find((l) => l.message.endsWith('starting'))?.fields).toMatchObject({
        ...expected,
        rateLimit: 'chosen',
      });
    }
  });
});
