import { request } from 'undici';

/**
 * Compacts etcd's history up to its current revision through etcd's JSON gateway, so any
 * resourceVersion older than now is gone: a watch or exact list from one gets 410 Gone. Chaos
 * tests use it to force relists without waiting for kube-apiserver's periodic compaction.
 * Returns the revision compacted to.
 */
export async function compactEtcd(etcdUrl: string, signal?: AbortSignal): Promise<number> {
  // A range read of any key returns the store's current revision in its header.
  const range = await post(etcdUrl, '/v3/kv/range', { key: Buffer.from('\0').toString('base64') }, signal);
  const revision = Number((range as { header?: { revision?: string } }).header?.revision);
  if (!Number.isInteger(revision) || revision < 1)
    throw new Error(`etcd returned no revision: ${JSON.stringify(range)}`);
  await post(etcdUrl, '/v3/kv/compaction', { revision: String(revision), physical: true }, signal);
  return revision;
}

async function post(base: string, path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
  const res = await request(`${base}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
    ...(signal ? { signal } : {}),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`etcd ${path}: HTTP ${res.statusCode}: ${text}`);
  return JSON.parse(text);
}
