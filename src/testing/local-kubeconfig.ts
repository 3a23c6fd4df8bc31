import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';

/** A client identity of the local control plane: certificate or bearer token. */
export type LocalUser = { name: string; certFile: string; keyFile: string } | { name: string; token: string };

/**
 * Renders a self-contained kubeconfig (certificates inlined) with one context per user; the
 * first user's context is current.
 */
export function renderKubeconfig(server: string, caFile: string, users: LocalUser[]): string {
  const b64 = (file: string) => readFileSync(file).toString('base64');
  const [first] = users;
  if (!first) throw new Error('renderKubeconfig needs at least one user');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kube-local', cluster: { server, 'certificate-authority-data': b64(caFile) } }],
    users: users.map((u) => ({
      name: u.name,
      user:
        'token' in u
          ? { token: u.token }
          : { 'client-certificate-data': b64(u.certFile), 'client-key-data': b64(u.keyFile) },
    })),
    contexts: users.map((u) => ({
      name: contextName(u.name),
      context: { cluster: 'kube-local', user: u.name, namespace: 'default' },
    })),
    'current-context': contextName(first.name),
  });
}

/** The context name the local kubeconfig uses for a user. */
export function contextName(user: string): string {
  return user === 'admin' ? 'kube-local' : `kube-local-${user}`;
}
