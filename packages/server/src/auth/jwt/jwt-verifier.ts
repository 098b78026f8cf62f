/**
 * @module Verifies JSON Web Tokens with jose against the locally configured issuers: signature, `iss`,
 * `exp` / `nbf` (10 s clock tolerance) and a `sub`. The authenticated subject is `<prefix>:<sub>`.
 * HMAC issuers accept only their HS algorithm; key issuers only asymmetric algorithms, so a public
 * key can never be used as an HMAC secret.
 */
// Types only: jose is loaded on the first token, so a process without JWT issuers never loads it.
import type * as JoseModule from 'jose';
import type { CryptoKey, JWTVerifyGetKey } from 'jose';
import { DittoError } from '@egiz/core';
import type { AuthContext } from '../../dispatch/auth-context.js';
import type { JwtIssuer } from './jwt-issuers.js';

const ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];
const CLOCK_TOLERANCE_S = 10;

export interface VerifiedToken {
  readonly auth: AuthContext;
  readonly subject: string;
  /** When the token stops being valid (from `exp`), if it has one. */
  readonly expiresAt?: Date;
}

function invalid(message: string): DittoError {
  return new DittoError('gateway:jwt.invalid', message);
}

type Jose = typeof JoseModule;

interface IssuerEntry {
  readonly issuer: JwtIssuer;
  readonly key: JWTVerifyGetKey | Uint8Array;
  readonly algorithms: string[];
}

function issuerEntry(jose: Jose, issuer: JwtIssuer): IssuerEntry {
  const k = issuer.key;
  switch (k.kind) {
    case 'hmac':
      return { issuer, key: k.secret, algorithms: [k.alg] };
    case 'jwks':
      return { issuer, key: jose.createLocalJWKSet(k.jwks), algorithms: ASYMMETRIC };
    case 'spki':
    case 'x509': {
      const cache = new Map<string, Promise<CryptoKey>>();
      const getKey: JWTVerifyGetKey = (header) => {
        const alg = header.alg;
        let key = cache.get(alg);
        if (!key) {
          key = k.kind === 'spki' ? jose.importSPKI(k.pem, alg) : jose.importX509(k.pem, alg);
          cache.set(alg, key);
        }
        return key;
      };
      return { issuer, key: getKey, algorithms: ASYMMETRIC };
    }
  }
}

export class JwtVerifier {
  readonly #configured: readonly JwtIssuer[];
  #loaded: Promise<{ readonly jose: Jose; readonly issuers: ReadonlyMap<string, IssuerEntry> }> | undefined;

  constructor(issuers: readonly JwtIssuer[]) {
    this.#configured = issuers;
  }

  /** Loads jose and the issuers' keys (also done by the first verify); rejects on a bad key. */
  async load(): Promise<void> {
    await this.#load();
  }

  #load() {
    this.#loaded ??= import('jose').then((jose) => ({
      jose,
      issuers: new Map(this.#configured.map((issuer) => [issuer.issuer, issuerEntry(jose, issuer)])),
    }));
    return this.#loaded;
  }

  get enabled(): boolean {
    return this.#configured.length > 0;
  }

  /** Verifies a compact JWT; throws `gateway:jwt.invalid` saying why. */
  async verify(token: string): Promise<VerifiedToken> {
    const { jose, issuers } = await this.#load();
    let iss: string | undefined;
    try {
      iss = jose.decodeJwt(token).iss;
    } catch {
      throw invalid('The token is not a JSON Web Token.');
    }
    const entry = iss === undefined ? undefined : issuers.get(iss);
    if (!entry) throw invalid(`The issuer '${iss ?? ''}' of the token is not configured.`);
    let payload;
    try {
      const options = {
        issuer: entry.issuer.issuer,
        algorithms: entry.algorithms,
        clockTolerance: CLOCK_TOLERANCE_S,
      };
      payload =
        entry.key instanceof Uint8Array
          ? (await jose.jwtVerify(token, entry.key, options)).payload
          : (await jose.jwtVerify(token, entry.key, options)).payload;
    } catch (e) {
      if (e instanceof jose.errors.JWTExpired) throw invalid('The token has expired.');
      if (e instanceof jose.errors.JWTClaimValidationFailed)
        throw invalid(`The token's '${e.claim}' claim is not valid.`);
      throw invalid('The token could not be verified.');
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw invalid("The token has no 'sub' claim.");
    const subject = `${entry.issuer.prefix}:${payload.sub}`;
    return {
      auth: { subjects: [subject], primary: subject },
      subject,
      ...(typeof payload.exp === 'number' ? { expiresAt: new Date(payload.exp * 1000) } : {}),
    };
  }
}
