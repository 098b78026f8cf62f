/**
 * @module EGIZ_JWT_ISSUERS: the JWT issuers Egiz trusts and their verification keys, all local
 * (Egiz never fetches keys over the network). Entries are separated by `;`:
 *
 *   <issuer>=<prefix>@<key>
 *
 * `<issuer>` must equal the token's `iss`; the subject becomes `<prefix>:<sub>`. `<key>` is
 * `hs256:<secret>` (also hs384/hs512) for a shared HMAC secret, or the path of a file holding a
 * JWKS (`{"keys":[...]}`), a PEM public key (`BEGIN PUBLIC KEY`) or a PEM certificate.
 */
import { readFileSync } from 'node:fs';

export type JwtKeySource =
  | { readonly kind: 'hmac'; readonly alg: 'HS256' | 'HS384' | 'HS512'; readonly secret: Uint8Array }
  | { readonly kind: 'jwks'; readonly jwks: { keys: Record<string, unknown>[] }; readonly path: string }
  | { readonly kind: 'spki'; readonly pem: string; readonly path: string }
  | { readonly kind: 'x509'; readonly pem: string; readonly path: string };

export interface JwtIssuer {
  readonly issuer: string;
  readonly prefix: string;
  readonly key: JwtKeySource;
}

export class JwtConfigError extends Error {
  override name = 'JwtConfigError';
}

const ENTRY = /^(.+?)=([A-Za-z0-9_.-]+)@(.+)$/;
const HMAC = /^(hs256|hs384|hs512):(.+)$/is;

function keyFrom(spec: string, readFile: (path: string) => string): JwtKeySource {
  const hmac = HMAC.exec(spec);
  if (hmac) {
    const secret = new TextEncoder().encode(hmac[2]);
    const alg = (hmac[1] as string).toUpperCase() as 'HS256' | 'HS384' | 'HS512';
    const min = alg === 'HS256' ? 32 : alg === 'HS384' ? 48 : 64;
    if (secret.length < min) throw new JwtConfigError(`an ${alg} secret needs at least ${min} bytes`);
    return { kind: 'hmac', alg, secret };
  }
  let text: string;
  try {
    text = readFile(spec);
  } catch (e) {
    throw new JwtConfigError(`cannot read the key file '${spec}': ${(e as Error).message}`);
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let jwks: unknown;
    try {
      jwks = JSON.parse(trimmed);
    } catch {
      throw new JwtConfigError(`'${spec}' is not valid JSON`);
    }
    const keys = (jwks as { keys?: unknown }).keys;
    if (!Array.isArray(keys) || keys.length === 0)
      throw new JwtConfigError(`'${spec}' is not a JWKS: it needs a non-empty "keys" array`);
    return { kind: 'jwks', jwks: { keys: keys as Record<string, unknown>[] }, path: spec };
  }
  if (trimmed.includes('-----BEGIN PUBLIC KEY-----')) return { kind: 'spki', pem: trimmed, path: spec };
  if (trimmed.includes('-----BEGIN CERTIFICATE-----')) return { kind: 'x509', pem: trimmed, path: spec };
  throw new JwtConfigError(`'${spec}' holds neither a JWKS nor a PEM public key or certificate`);
}

export function parseJwtIssuers(
  text: string | undefined,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): JwtIssuer[] {
  if (text === undefined || text.trim() === '') return [];
  const out: JwtIssuer[] = [];
  for (const raw of text.split(';')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const m = ENTRY.exec(entry);
    if (!m)
      throw new JwtConfigError(
        `entry '${entry.replace(/hs(256|384|512):.*/i, 'hs$1:…')}' is not '<issuer>=<prefix>@<key>'`,
      );
    const issuer = m[1] as string;
    if (out.some((i) => i.issuer === issuer))
      throw new JwtConfigError(`issuer '${issuer}' is configured twice`);
    out.push({ issuer, prefix: m[2] as string, key: keyFrom(m[3] as string, readFile) });
  }
  return out;
}
