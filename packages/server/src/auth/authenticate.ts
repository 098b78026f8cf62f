/**
 * @module Turns request credentials into an AuthContext: Basic users become `nginx:<user>` (the
 * subject Ditto's nginx setup produces); `x-ditto-pre-authenticated: <issuer>:<subject>` is honoured
 * only when EGIZ_PREAUTH=true (a trusted proxy in front).
 */
import type { AuthContext } from '../dispatch/auth-context.js';
import { BasicAuthenticator, parseBasic } from './basic-auth.js';
import type { UserCredential } from '../app/config.js';

export const BASIC_ISSUER = 'nginx';
const SUBJECT = /^[^\s:]+:\S.{0,255}$/;

export interface CredentialSource {
  readonly authorization?: string | undefined;
  readonly preAuthenticated?: string | undefined;
}

/** How many verified Authorization headers are remembered (cleared at once when full). */
const VERIFIED_HEADERS = 1024;

export class Authenticator {
  readonly #basic: BasicAuthenticator;
  readonly #preauth: boolean;
  /**
   * Authorization headers that passed the constant-time check, with their (frozen) context: a
   * client sends the same header on every request, and the SHA-256 + parse of it was a visible share
   * of a GET. Only successes are kept, so a wrong or unknown credential always takes the full,
   * constant-time path; a hit can only be a header whose validity its answer reveals anyway, and the
   * Map compares a candidate's content only with an entry of the same string hash. The users are
   * fixed for the life of the process, so an entry never goes stale.
   */
  readonly #verified = new Map<string, AuthContext>();

  constructor(opts: { users: readonly UserCredential[]; preauth: boolean }) {
    this.#basic = new BasicAuthenticator(opts.users);
    this.#preauth = opts.preauth;
  }

  authenticate(source: CredentialSource): AuthContext | undefined {
    if (this.#preauth && source.preAuthenticated) {
      const subjects = source.preAuthenticated
        .split(',')
        .map((s) => s.trim())
        .filter((s) => SUBJECT.test(s));
      const primary = subjects[0];
      if (primary) return { subjects, primary };
    }
    const header = source.authorization;
    if (header === undefined) return undefined;
    const known = this.#verified.get(header);
    if (known !== undefined) return known;
    const credentials = parseBasic(header);
    if (!credentials) return undefined;
    const user = this.#basic.verify(credentials);
    if (user === undefined) return undefined;
    const subject = `${BASIC_ISSUER}:${user}`;
    const auth: AuthContext = Object.freeze({ subjects: Object.freeze([subject]), primary: subject });
    if (this.#verified.size >= VERIFIED_HEADERS) this.#verified.clear();
    this.#verified.set(header, auth);
    return auth;
  }
}
