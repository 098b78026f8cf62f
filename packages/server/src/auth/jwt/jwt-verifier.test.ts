import { describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { DittoError } from '@egiz/core';
import { JwtConfigError, parseJwtIssuers } from './jwt-issuers.js';
import { JwtVerifier } from './jwt-verifier.js';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!';

async function hs(
  claims: Record<string, unknown>,
  secret = SECRET,
  iss = 'https://id.test',
): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer(iss).setIssuedAt();
  return jwt.sign(new TextEncoder().encode(secret));
}

async function failure(p: Promise<unknown>): Promise<DittoError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DittoError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

describe('EGIZ_JWT_ISSUERS', () => {
  it('parses HMAC secrets, JWKS, PEM keys and certificates from local files only', () => {
    const files: Record<string, string> = {
      '/k/jwks.json': '{"keys":[{"kty":"RSA","n":"x","e":"AQAB"}]}',
      '/k/key.pem': '-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----',
      '/k/cert.pem': '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----',
    };
    const read = (p: string) => {
      const f = files[p];
      if (f === undefined) throw new Error('no such file');
      return f;
    };
    const issuers = parseJwtIssuers(
      `https://a.test=a@hs256:${SECRET}; https://b.test/realms/x=b.b@/k/jwks.json;urn:c=c@/k/key.pem;urn:d=d@/k/cert.pem`,
      read,
    );
    expect(issuers.map((i) => [i.issuer, i.prefix, i.key.kind])).toEqual([
      ['https://a.test', 'a', 'hmac'],
      ['https://b.test/realms/x', 'b.b', 'jwks'],
      ['urn:c', 'c', 'spki'],
      ['urn:d', 'd', 'x509'],
    ]);
    expect(parseJwtIssuers(undefined)).toEqual([]);
    expect(() => parseJwtIssuers('no-prefix-here', read)).toThrow(JwtConfigError);
    expect(() => parseJwtIssuers('urn:x=x@hs256:short', read)).toThrow(/at least 32 bytes/);
    expect(() => parseJwtIssuers('urn:x=x@/k/missing.json', read)).toThrow(/cannot read/);
    expect(() => parseJwtIssuers(`urn:x=x@hs256:${SECRET};urn:x=y@hs256:${SECRET}`, read)).toThrow(/twice/);
    // The secret never appears in an error message.
    expect(() => parseJwtIssuers(`bad entry hs256:${SECRET}`, read)).toThrow(/^(?!.*shared-secret)/);
  });
});

describe('JwtVerifier', () => {
  const verifier = new JwtVerifier(parseJwtIssuers(`https://id.test=test@hs256:${SECRET}`));

  it('authenticates <prefix>:<sub> and reports the expiry', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const v = await verifier.verify(await hs({ sub: 'alice', exp }));
    expect(v.subject).toBe('test:alice');
    expect(v.auth).toEqual({ subjects: ['test:alice'], primary: 'test:alice' });
    expect(v.expiresAt?.getTime()).toBe(exp * 1000);
  });

  it('refuses bad signatures, unknown issuers, expired tokens, missing sub and garbage', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    expect(
      (await failure(verifier.verify(await hs({ sub: 'a' }, 'another-secret-that-is-32-bytes-long!')))).code,
    ).toBe('gateway:jwt.invalid');
    expect(
      (await failure(verifier.verify(await hs({ sub: 'a' }, SECRET, 'https://evil.test')))).message,
    ).toContain('not configured');
    expect((await failure(verifier.verify(await hs({ sub: 'a', exp: past })))).message).toContain('expired');
    expect((await failure(verifier.verify(await hs({ exp: past + 7200 })))).message).toContain("'sub'");
    expect((await failure(verifier.verify('not.a.jwt'))).code).toBe('gateway:jwt.invalid');
  });

  it('verifies RS256 tokens with a JWKS or a PEM key, never accepting HS tokens for them', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
    const pem = await exportSPKI(publicKey);
    const read = (p: string) => (p === '/jwks.json' ? JSON.stringify({ keys: [jwk] }) : pem);
    const v = new JwtVerifier(parseJwtIssuers('urn:jwks=j@/jwks.json;urn:pem=p@/key.pem', read));
    const sign = (iss: string) =>
      new SignJWT({ sub: 'dev-1' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(iss)
        .setExpirationTime('1h')
        .sign(privateKey);
    expect((await v.verify(await sign('urn:jwks'))).subject).toBe('j:dev-1');
    expect((await v.verify(await sign('urn:pem'))).subject).toBe('p:dev-1');
    // An HMAC token "signed" with the public key text must not pass.
    const forged = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('urn:pem')
      .sign(new TextEncoder().encode(pem));
    expect((await failure(v.verify(forged))).code).toBe('gateway:jwt.invalid');
  });
});
