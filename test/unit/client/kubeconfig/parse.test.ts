import { describe, expect, it } from 'vitest';
import { parseKubeConfigObject, parseKubeConfigText } from '../../../../src/client/kubeconfig/parse.js';
import { configErrorOfSync } from './helpers/errors.js';

const SECRET = 'sha256~TOP-SECRET-TOKEN-VALUE';

const sample = `
apiVersion: v1
kind: Config
current-context: dev
clusters:
  - name: dev-cluster
    cluster:
      server: https://127.0.0.1:6443
      certificate-authority: certs/ca.crt
      tls-server-name: kubernetes
      insecure-skip-tls-verify: false
      proxy-url: http://proxy:3128
      extensions:
        - name: client.authentication.k8s.io/exec
          extension: { audience: dev }
users:
  - name: alice
    user:
      client-certificate: alice.crt
      client-key: /abs/alice.key
      tokenFile: ../tokens/alice
      as: bob
      as-groups: [admins, ops]
      as-user-extra: { scopes: [read, write] }
  - name: plugin
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1
        command: ./bin/get-token
        args: [--cluster, dev]
        env: [{ name: REGION, value: eu }]
        interactiveMode: Never
        provideClusterInfo: true
        installHint: install it
  - name: path-plugin
    user:
      exec: { apiVersion: client.authentication.k8s.io/v1, command: aws, interactiveMode: Never }
contexts:
  - name: dev
    context: { cluster: dev-cluster, user: alice, namespace: team-a }
`;

describe('parseKubeConfigText', () => {
  it('reads every field with its kebab-case name and resolves relative paths against the file', () => {
    const file = parseKubeConfigText(sample, '/home/me/.kube/config');
    expect(file.source).toBe('/home/me/.kube/config');
    expect(file.currentContext).toBe('dev');
    const cluster = file.clusters[0]!;
    expect(cluster.name).toBe('dev-cluster');
    expect(cluster.source).toBe('/home/me/.kube/config');
    expect(cluster.cluster).toEqual({
      server: 'https://127.0.0.1:6443',
      'certificate-authority': '/home/me/.kube/certs/ca.crt',
      'tls-server-name': 'kubernetes',
      'insecure-skip-tls-verify': false,
      'proxy-url': 'http://proxy:3128',
      extensions: [{ name: 'client.authentication.k8s.io/exec', extension: { audience: 'dev' } }],
    });
    const alice = file.users[0]!.user;
    expect(alice['client-certificate']).toBe('/home/me/.kube/alice.crt');
    expect(alice['client-key']).toBe('/abs/alice.key');
    expect(alice.tokenFile).toBe('/home/me/tokens/alice');
    expect(alice.as).toBe('bob');
    expect(alice['as-groups']).toEqual(['admins', 'ops']);
    expect(alice['as-user-extra']).toEqual({ scopes: ['read', 'write'] });
    const exec = file.users[1]!.user.exec!;
    expect(exec).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      command: '/home/me/.kube/bin/get-token',
      args: ['--cluster', 'dev'],
      env: [{ name: 'REGION', value: 'eu' }],
      interactiveMode: 'Never',
      provideClusterInfo: true,
      installHint: 'install it',
    });
    // A bare command name is looked up on PATH, so it is not made file-relative.
    expect(file.users[2]!.user.exec!.command).toBe('aws');
    expect(file.contexts[0]!.context).toEqual({ cluster: 'dev-cluster', user: 'alice', namespace: 'team-a' });
  });

  it('leaves relative paths alone when the text has no source file', () => {
    const file = parseKubeConfigText(sample);
    expect(file.source).toBeUndefined();
    expect(file.clusters[0]!.cluster['certificate-authority']).toBe('certs/ca.crt');
    expect(file.clusters[0]!.source).toBeUndefined();
  });

  it('treats an empty or whitespace-only file as an empty config, like client-go', () => {
    for (const text of ['', '  \n\n', '# only a comment\n']) {
      const file = parseKubeConfigText(text, '/x/config');
      expect(file.clusters).toEqual([]);
      expect(file.users).toEqual([]);
      expect(file.contexts).toEqual([]);
      expect(file.currentContext).toBeUndefined();
    }
  });

  it('accepts JSON, which is YAML', () => {
    const file = parseKubeConfigText(
      JSON.stringify({ clusters: [{ name: 'c', cluster: { server: 'https://h' } }], 'current-context': 'x' }),
    );
    expect(file.clusters[0]!.cluster.server).toBe('https://h');
    expect(file.currentContext).toBe('x');
  });

  it('reports a YAML syntax error with the file, line and column', () => {
    const text = 'apiVersion: v1\nclusters:\n  - name: a\n    cluster: {server: https://x\n';
    const msg = configErrorOfSync(() => parseKubeConfigText(text, '/etc/kube/config'));
    expect(msg).toMatch(
      /^kubeconfig \/etc\/kube\/config: is not valid YAML: .+ at line \d+, column \d+\. Fix the syntax/,
    );
  });

  it('names the line of the mistake: a tab indent on line 3, a nested mapping at line 3 column 4', () => {
    expect(configErrorOfSync(() => parseKubeConfigText('a: 1\nb: 2\n\tc: 3\n', '/k'))).toContain(
      'Tabs are not allowed as indentation at line 3, column 1.',
    );
    expect(configErrorOfSync(() => parseKubeConfigText('a: 1\nb: 2\nc: d: e\n', '/k'))).toContain(
      'at line 3, column 4.',
    );
  });

  it('never quotes the broken line, which may hold a token', () => {
    const text = `users:\n- name: u\n  user:\n    token: ${SECRET}: x: y\n`;
    const msg = configErrorOfSync(() => parseKubeConfigText(text, '/k'));
    expect(msg).toContain('not valid YAML');
    expect(msg).not.toContain(SECRET);
    expect(msg).not.toContain('TOP-SECRET');
  });

  it('rejects duplicate keys and several YAML documents', () => {
    expect(configErrorOfSync(() => parseKubeConfigText('kind: Config\nkind: Config\n'))).toContain(
      'not valid YAML',
    );
    expect(configErrorOfSync(() => parseKubeConfigText('a: 1\n---\nb: 2\n', '/k'))).toBe(
      'kubeconfig /k: holds more than one YAML document (a second one starts at line 2). Keep one document per file; to combine files, list them in KUBECONFIG.',
    );
  });

  it('survives an alias expansion bomb with a ConfigError instead of exhausting memory', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 9; i++) {
      const prev = String.fromCharCode(97 + i);
      const next = String.fromCharCode(98 + i);
      lines.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const msg = configErrorOfSync(() => parseKubeConfigText(lines.join('\n'), '/bomb'));
    expect(msg).toMatch(
      /^kubeconfig \/bomb: could not be read as data \(.*alias.*\)\. Remove excessive YAML aliases/,
    );
  });

  it('supports YAML merge keys, as the Go YAML library does', () => {
    const text = `
base: &base { server: https://h, tls-server-name: n }
clusters:
  - name: c
    cluster:
      <<: *base
      proxy-url: http://p
`;
    expect(parseKubeConfigText(text).clusters[0]!.cluster).toEqual({
      server: 'https://h',
      'tls-server-name': 'n',
      'proxy-url': 'http://p',
    });
  });
});

describe('parseKubeConfigObject', () => {
  it('treats null and undefined as an empty config', () => {
    expect(parseKubeConfigObject(null).clusters).toEqual([]);
    expect(parseKubeConfigObject(undefined).contexts).toEqual([]);
  });

  it.each([
    ['a list at the top level', [1, 2], '(top level) must be a map (found a list)'],
    ['a string at the top level', 'hello', '(top level) must be a map (found a string)'],
    [
      'clusters as a map',
      { clusters: { a: 1 } },
      'clusters must be a list of {name, cluster} entries (found a map)',
    ],
    ['an entry that is a string', { users: ['x'] }, 'users[0] must be a map (found a string)'],
    ['a nameless entry', { contexts: [{ context: {} }] }, 'contexts[0] has no name'],
    [
      'a number server',
      { clusters: [{ name: 'c', cluster: { server: 6443 } }] },
      'clusters[0].cluster.server must be a string (found a number)',
    ],
    [
      'a string boolean',
      { clusters: [{ name: 'c', cluster: { 'insecure-skip-tls-verify': 'true' } }] },
      'clusters[0].cluster.insecure-skip-tls-verify must be true or false (found a string)',
    ],
    [
      'as-groups as a string',
      { users: [{ name: 'u', user: { 'as-groups': 'a,b' } }] },
      'users[0].user.as-groups must be a list of strings (found a string)',
    ],
    [
      'a non-string group',
      { users: [{ name: 'u', user: { 'as-groups': ['a', 3] } }] },
      'users[0].user.as-groups[1] must be a string (found a number)',
    ],
    [
      'exec args as a string',
      { users: [{ name: 'u', user: { exec: { command: 'x', args: '--a' } } }] },
      'users[0].user.exec.args must be a list of strings',
    ],
    [
      'exec env as a map',
      { users: [{ name: 'u', user: { exec: { command: 'x', env: { A: 'b' } } } }] },
      'users[0].user.exec.env must be a list of {name, value} entries (found a map)',
    ],
    [
      'a user that is a list',
      { users: [{ name: 'u', user: [] }] },
      'users[0].user must be a map (found a list)',
    ],
    ['a nameless extension', { extensions: [{ extension: 1 }] }, 'extensions[0] has no name'],
    ['another kind', { kind: 'Pod' }, 'has kind "Pod", not "Config"'],
    ['another apiVersion', { apiVersion: 'v2' }, 'has apiVersion "v2"'],
  ])('rejects %s, naming the field', (_label, value, expected) => {
    const msg = configErrorOfSync(() => parseKubeConfigObject(value, '/cfg'));
    expect(msg).toContain('kubeconfig /cfg: ');
    expect(msg).toContain(expected);
  });

  it('never quotes a mistyped token value', () => {
    const msg = configErrorOfSync(() =>
      parseKubeConfigObject({ users: [{ name: 'u', user: { token: 123456789 } }] }),
    );
    expect(msg).toContain('users[0].user.token must be a string (found a number)');
    expect(msg).not.toContain('123456789');
  });

  it('rejects two entries with the same name in one file', () => {
    const msg = configErrorOfSync(() =>
      parseKubeConfigObject(
        {
          clusters: [
            { name: 'a', cluster: {} },
            { name: 'a', cluster: {} },
          ],
        },
        '/cfg',
      ),
    );
    expect(msg).toBe(
      'kubeconfig /cfg: clusters has two entries named "a". Rename or remove one of them; names must be unique within a file.',
    );
  });

  it('treats null sections and null entry bodies as empty', () => {
    const file = parseKubeConfigObject({
      clusters: null,
      users: [{ name: 'u', user: null }],
      contexts: [{ name: 'c', context: null }],
    });
    expect(file.clusters).toEqual([]);
    expect(file.users[0]!.user).toEqual({});
    expect(file.contexts[0]!.context).toEqual({ cluster: '' });
  });

  it('ignores unknown fields and keeps only the name of a legacy auth-provider (its config holds secrets)', () => {
    const file = parseKubeConfigObject({
      users: [
        {
          name: 'gke',
          user: { 'auth-provider': { name: 'gcp', config: { 'access-token': SECRET } }, futureField: 1 },
        },
      ],
      somethingNew: true,
    });
    expect(file.users[0]!.user).toEqual({ 'auth-provider': { name: 'gcp' } });
    expect(JSON.stringify(file)).not.toContain(SECRET);
  });
});
