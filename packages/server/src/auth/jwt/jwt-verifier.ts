/**
 * @module Verifies JSON Web Tokens with jose against the locally configured issuers: signature, `iss`,
 * `exp` / `nbf` (10 s clock tolerance) and a `sub`. The authenticated subject is `<prefix>:<sub>`.
 * HMAC issuers accept only their HS algorithm; key issuers only asymmetric algorithms, so a public
 * key can never be used as an HMAC secret.
 */
import {
  createLocalJWKSet,
  decodeJwt,
  errors,
  importSPKI,
  importX509,
  jwtVerify,
  type CryptoKey,
  type JWTVerifyGetKey,
} from 'jose';
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

export class JwtVerifier {
  readonly #issuers = new Map<
    string,
    { issuer: JwtIssuer; key: JWTVerifyGetKey | Uint8Array; algorithms: string[] }
  >();

  constructor(issuers: readonly JwtIssuer[]) {
    for (const issuer of issuers) {
      const k = issuer.key;
      switch (k.kind) {
        case 'hmac':
          this.#issuers.set(issuer.issuer, { issuer, key: k.secret, algorithms: [k.alg] });
          break;
        case 'jwks':
          this.#issuers.set(issuer.issuer, {
            issuer,
            key: createLocalJWKSet(k.jwks),
            algorithms: ASYMMETRIC,
          });
          break;
        case 'spki':
        case 'x509': {
          const cache = new Map<string, Promise<CryptoKey>>();
          const getKey: JWTVerifyGetKey = (header) => {
            const alg = header.alg;
            let key = cache.get(alg);
            if (!key) {
              key = k.kind === 'spki' ? importSPKI(k.pem, alg) : importX509(k.pem, alg);
              cache.set(alg, key);
            }
            return key;
          };
          this.#issuers.set(issuer.issuer, { issuer, key: getKey, algorithms: ASYMMETRIC });
          break;
        }
      }
    }
  }

  get enabled(): boolean {
    return this.#issuers.size > 0;
  }

  /** Verifies a compact JWT; throws `gateway:jwt.invalid` saying why. */
  async verify(token: string): Promise<VerifiedToken> {
    let iss: string | undefined;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw invalid('The token is not a JSON Web Token.');
    }
    const entry = iss === undefined ? undefined : this.#issuers.get(iss);
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
          ? (await jwtVerify(token, entry.key, options)).payload
          : (await jwtVerify(token, entry.key, options)).payload;
    } catch (e) {
      if (e instanceof errors.JWTExpired) throw invalid('The token has expired.');
      if (e instanceof errors.JWTClaimValidationFailed)
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
