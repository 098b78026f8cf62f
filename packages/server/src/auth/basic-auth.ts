/**
 * @module HTTP Basic authentication against the configured users. Passwords are compared as SHA-256
 * digests with timingSafeEqual, and an unknown user costs the same as a wrong password, so timing
 * reveals neither. Passwords are never logged.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import type { UserCredential } from '../app/config.js';

function digest(s: string): Buffer {
  // One-shot hashing: no Hash object per request.
  return hash('sha256', s, 'buffer');
}

export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

/** Parses `Authorization: Basic base64(user:pass)`; undefined when absent or malformed. */
export function parseBasic(header: string | undefined): BasicCredentials | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=._-]+)\s*$/i.exec(header);
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

export class BasicAuthenticator {
  readonly #users = new Map<string, Buffer>();
  readonly #dummy = digest('\u0000egiz-no-such-user\u0000');

  constructor(users: readonly UserCredential[]) {
    for (const u of users) this.#users.set(u.username, digest(u.password));
  }

  /** The username when the credentials are valid. */
  verify(credentials: BasicCredentials): string | undefined {
    const expected = this.#users.get(credentials.username);
    const ok = timingSafeEqual(expected ?? this.#dummy, digest(credentials.password));
    return ok && expected !== undefined ? credentials.username : undefined;
  }
}

/** Constant-time check of one fixed credential (the devops user). */
export function verifyFixed(
  credentials: BasicCredentials | undefined,
  username: string,
  password: string,
): boolean {
  if (!credentials) return false;
  const userOk = timingSafeEqual(digest(credentials.username), digest(username));
  const passOk = timingSafeEqual(digest(credentials.password), digest(password));
  return userOk && passOk;
}
