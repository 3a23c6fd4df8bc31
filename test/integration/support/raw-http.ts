import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { inject } from 'vitest';
import type { LocalCredentials } from '../../../src/testing/index.js';
import { missingForTest } from './kube.js';
import './kube-local-info.js';

/** A response read whole: status and parsed JSON (or text when it is not JSON). */
export interface RawResponse {
  status: number;
  body: unknown;
}

/**
 * Plain HTTPS to the test apiserver as one of its users, with no kubekit client code in the
 * way: the smoke tests use it to check the control plane itself.
 */
export function rawClient(user: keyof ReturnType<typeof inject<'kubeLocal'>>['users']) {
  const info = inject('kubeLocal');
  const missing = missingForTest([user], info);
  if (missing) throw new Error(`rawClient('${user}'): ${missing}`);
  const creds: LocalCredentials = info.users[user];
  const agent = new Agent({
    connect: {
      // No CA file: the kubeconfig of an existing cluster trusts the system roots.
      ...(info.caFile ? { ca: readFileSync(info.caFile) } : {}),
      ...(info.external?.insecureSkipVerify ? { rejectUnauthorized: false } : {}),
      ...(info.external?.tlsServerName ? { servername: info.external.tlsServerName } : {}),
      ...(creds.certFile ? { cert: readFileSync(creds.certFile), key: readFileSync(creds.keyFile!) } : {}),
    },
  });
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' };
  if (creds.token) headers.authorization = `Bearer ${creds.token}`;
  return {
    async request(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}) {
      const res = await request(`${info.server}${path}`, {
        method: method as 'GET',
        dispatcher: agent,
        headers: { ...headers, ...extraHeaders },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.body.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {}
      return { status: res.statusCode, body: parsed } satisfies RawResponse;
    },
    close: () => agent.close(),
  };
}
