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

export class Authenticator {
  readonly #basic: BasicAuthenticator;
  readonly #preauth: boolean;

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
    const credentials = parseBasic(source.authorization);
    if (!credentials) return undefined;
    const user = this.#basic.verify(credentials);
    if (user === undefined) return undefined;
    const subject = `${BASIC_ISSUER}:${user}`;
    return { subjects: [subject], primary: subject };
  }
}
