import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeServerUrl, proxyUrlProblem } from '../../../../src/client/kubeconfig/cluster-settings.js';
import { parseExecCredential, parseRfc3339 } from '../../../../src/client/kubeconfig/exec-credential.js';
import { KubeConfig } from '../../../../src/client/kubeconfig/kubeconfig.js';
import { redactUrl, sanitizeStderr } from '../../../../src/client/kubeconfig/messages.js';
import { parseKubeConfigObject, parseKubeConfigText } from '../../../../src/client/kubeconfig/parse.js';
import {
  certificateProblem,
  decodeBase64,
  parsePrivateKey,
} from '../../../../src/client/kubeconfig/tls-material.js';
import { ConfigError } from '../../../../src/common/errors.js';
import { FakeClock } from '../../../../src/testing/fake-clock.js';

const MARKER = 'Zq9SECRETmarker7Xw';
const V1 = 'client.authentication.k8s.io/v1';

/** Runs fn; anything thrown must be a ConfigError. Returns the message or undefined. */
function onlyConfigErrors(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.message;
  }
}

describe('hostile kubeconfig input', () => {
  it('parseKubeConfigText either parses or throws a ConfigError, for any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        onlyConfigErrors(() => parseKubeConfigText(text, '/fuzz'));
      }),
      { numRuns: 300 },
    );
  });

  it('parseKubeConfigText survives YAML-ish fragments', () => {
    const token = fc.constantFrom(
      'clusters:',
      'users:',
      'contexts:',
      '- name: a',
      '  cluster:',
      '    server: x',
      ' ',
      '\n',
      '\t',
      ': ',
      '[',
      ']',
      '{',
      '}',
      '&a',
      '*a',
      '<<: *a',
      '!!binary',
      '"',
      "'",
      '---',
      '...',
      '#',
      '%YAML 1.2',
      'null',
      '~',
      '0x1F',
      '- ',
      '? ',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (parts) => {
        onlyConfigErrors(() => parseKubeConfigText(parts.join(''), '/fuzz'));
      }),
      { numRuns: 500 },
    );
  });

  it('parseKubeConfigObject either validates or throws a ConfigError, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        onlyConfigErrors(() => parseKubeConfigObject(value));
      }),
      { numRuns: 300 },
    );
  });

  it('connectionConfig never puts a credential into an error message, whatever else is wrong', () => {
    const text = fc.oneof(fc.constant(MARKER), fc.string({ maxLength: 12 }), fc.constant(''));
    const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
    const user = fc.record(
      {
        token: fc.constant(MARKER),
        password: fc.constant(MARKER),
        username: maybe(text),
        tokenFile: maybe(fc.constantFrom(`/nonexistent/${MARKER}x`, '')),
        'client-certificate-data': maybe(fc.constantFrom(MARKER, Buffer.from(MARKER).toString('base64'))),
        'client-key-data': maybe(
          fc.constantFrom(MARKER, Buffer.from(`-----BEGIN PRIVATE KEY-----\n${MARKER}\n`).toString('base64')),
        ),
        as: maybe(text),
        'as-groups': maybe(fc.array(text, { maxLength: 2 })),
      },
      { requiredKeys: [] },
    );
    const cluster = fc.record(
      {
        server: maybe(
          fc.constantFrom(`https://u:${MARKER}@h`, 'https://h', '::bad', `https://u:pa ss${MARKER}@h`, ''),
        ),
        'proxy-url': maybe(fc.constantFrom(`ftp://u:${MARKER}@p`, `socks5://u:${MARKER}@p:1`)),
        'insecure-skip-tls-verify': maybe(fc.boolean()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(user, cluster, (u, c) => {
        const message = onlyConfigErrors(() =>
          KubeConfig.fromObject(
            {
              'current-context': 'x',
              clusters: [{ name: 'c', cluster: c }],
              users: [{ name: 'u', user: u }],
              contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
            },
            { clock: new FakeClock() },
          ).connectionConfig(),
        );
        if (message !== undefined) {
          // The tokenFile path is a path, not a credential; everything else must stay out.
          expect(message.replaceAll(`/nonexistent/${MARKER}x`, '')).not.toContain(MARKER);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('hostile exec plugin output', () => {
  it('parseExecCredential returns a result or a problem for any bytes, never throws, never quotes them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const out = parseExecCredential(Buffer.from(bytes), V1);
        if ('problem' in out) expect(typeof out.problem).toBe('string');
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const body = { apiVersion: V1, kind: 'ExecCredential', status: value, marker: MARKER };
        const out = parseExecCredential(Buffer.from(JSON.stringify(body)), V1);
        if ('problem' in out) expect(out.problem).not.toContain(MARKER);
      }),
      { numRuns: 300 },
    );
  });

  it('never echoes a hostile kind or apiVersion', () => {
    const out = parseExecCredential(
      Buffer.from(JSON.stringify({ kind: `x ${MARKER} y`, apiVersion: V1 })),
      V1,
    );
    expect('problem' in out && out.problem).toBe(
      'printed an object of kind (unrecognised value) instead of ExecCredential',
    );
  });

  it('accepts only RFC 3339 timestamps with a zone', () => {
    expect(parseRfc3339('2030-01-02T03:04:05Z')).toBe(Date.UTC(2030, 0, 2, 3, 4, 5));
    expect(parseRfc3339('2030-01-02T03:04:05.250+02:00')).toBe(Date.UTC(2030, 0, 2, 1, 4, 5, 250));
    for (const bad of ['2030-01-02', '2030-01-02T03:04:05', 'tomorrow', '', '2030-13-45T99:99:99Z']) {
      expect(parseRfc3339(bad)).toBeUndefined();
    }
  });
});

describe('hostile URLs and TLS material', () => {
  it('normalizeServerUrl never throws and only ever yields http(s) URLs', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.webUrl()), fc.boolean(), (raw, tls) => {
        const out = normalizeServerUrl(raw, tls);
        if (typeof out === 'string') {
          expect(out).toMatch(/^https?:\/\/[^/?#@]+/);
          expect(out.endsWith('/')).toBe(false);
        }
        proxyUrlProblem(raw);
      }),
      { numRuns: 500 },
    );
  });

  it('decodeBase64, certificateProblem and parsePrivateKey never throw on junk', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.uint8Array({ maxLength: 120 }), (text, bytes) => {
        decodeBase64(text);
        const buf = Buffer.from(bytes);
        expect(certificateProblem(buf)).toBeTypeOf('string');
        expect(parsePrivateKey(buf)).toHaveProperty('problem');
        const pem = Buffer.concat([
          Buffer.from('-----BEGIN CERTIFICATE-----\n'),
          buf,
          Buffer.from('\n-----END CERTIFICATE-----\n'),
        ]);
        certificateProblem(pem);
      }),
      { numRuns: 300 },
    );
  });

  it('decodeBase64 rejects non-base64 text and accepts wrapped base64', () => {
    expect(decodeBase64('not base64!')).toBeUndefined();
    expect(decodeBase64('')).toBeUndefined();
    expect(decodeBase64('aGVs\nbG8=\n')?.toString()).toBe('hello');
  });
});

describe('redaction helpers', () => {
  it('redactUrl hides userinfo and leaves other text alone', () => {
    expect(redactUrl(`https://user:${MARKER}@host:1/p`)).toBe('https://***@host:1/p');
    expect(redactUrl(`socks5://${MARKER}@p`)).toBe('socks5://***@p');
    expect(redactUrl('https://host/a@b')).toBe('https://host/a@b');
    expect(redactUrl('plain text')).toBe('plain text');
  });

  it('sanitizeStderr removes keys, JWTs and bearer tokens and keeps the tail', () => {
    const key = `-----BEGIN RSA PRIVATE KEY-----\n${MARKER}\n-----END RSA PRIVATE KEY-----`;
    expect(sanitizeStderr(`a\n${key}\nb`)).toBe('a [redacted] b');
    expect(sanitizeStderr(`token eyJhbGciOi.eyJzdWIiOi.${MARKER}`)).toBe('token [redacted]');
    expect(sanitizeStderr(`Authorization: Bearer ${MARKER}`)).toBe('Authorization: Bearer [redacted]');
    const long = `${'x'.repeat(5000)}END`;
    const out = sanitizeStderr(long, 100);
    expect(out.startsWith('…')).toBe(true);
    expect(out.endsWith('END')).toBe(true);
    expect(out.length).toBe(101);
  });
});
