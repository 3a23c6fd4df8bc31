import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';

// These helpers answer "what is wrong with this material?" with a short phrase (or undefined when
// it is fine); callers add which file/field it came from and what to do. Phrases never contain the
// material itself: Node's own parser messages are dropped because a future version might quote input.

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/**
 * Decodes a kubeconfig `*-data` field (standard base64, line breaks allowed). Returns undefined
 * when the text is not base64 or decodes to nothing, so the caller can explain which field to fix.
 */
export function decodeBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const buf = Buffer.from(text, 'base64');
  return buf.length === 0 ? undefined : buf;
}

/** Splits a PEM bundle into its CERTIFICATE blocks (other blocks are ignored). */
export function pemCertificates(pem: Buffer): string[] {
  return pem.toString('latin1').match(PEM_CERT) ?? [];
}

/**
 * Checks a CA bundle or client certificate chain: at least one PEM CERTIFICATE block, and every
 * block parses as X.509.
 */
export function certificateProblem(pem: Buffer): string | undefined {
  const blocks = pemCertificates(pem);
  if (blocks.length === 0) return 'contains no PEM certificate (no "-----BEGIN CERTIFICATE-----" block)';
  for (let i = 0; i < blocks.length; i++) {
    try {
      new X509Certificate(blocks[i]!);
    } catch {
      return blocks.length === 1
        ? 'holds a certificate that does not parse as X.509'
        : `holds a certificate (number ${i + 1} of ${blocks.length}) that does not parse as X.509`;
    }
  }
  return undefined;
}

/** Parses a PEM private key; returns the KeyObject or a phrase saying why it cannot be used. */
export function parsePrivateKey(pem: Buffer): { key: KeyObject } | { problem: string } {
  const text = pem.toString('latin1');
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    return { problem: 'contains no PEM private key (no "-----BEGIN … PRIVATE KEY-----" block)' };
  }
  if (/ENCRYPTED/.test(text)) {
    return { problem: 'holds an encrypted private key, which cannot be used without a passphrase' };
  }
  try {
    return { key: createPrivateKey({ key: pem, format: 'pem' }) };
  } catch {
    return { problem: 'holds a private key that does not parse' };
  }
}

/**
 * Checks a client certificate and key: both parse and the key belongs to the first (leaf)
 * certificate. Returns undefined when the pair is usable.
 */
export function keyPairProblem(
  certPem: Buffer,
  keyPem: Buffer,
): { cert?: string; key?: string; pair?: string } | undefined {
  const certProblem = certificateProblem(certPem);
  if (certProblem !== undefined) return { cert: certProblem };
  const parsed = parsePrivateKey(keyPem);
  if ('problem' in parsed) return { key: parsed.problem };
  const leaf = new X509Certificate(pemCertificates(certPem)[0]!);
  if (!leaf.checkPrivateKey(parsed.key))
    return { pair: 'the client key does not belong to the client certificate' };
  return undefined;
}
