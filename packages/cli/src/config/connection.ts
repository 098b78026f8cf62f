/**
 * @module Where to connect and as whom. Each setting comes from the first of: flags, environment
 * (EGIZ_URL, EGIZ_USER, EGIZ_PASSWORD, EGIZ_TOKEN, EGIZ_PROFILE), the selected profile, defaults.
 * Credentials are taken as a unit from the highest layer that names a user or a token (a token wins
 * within a layer), so a flag `--user bob` never pairs with the profile's password for alice.
 */
import { DEFAULT_PROFILE, type ConfigFile, type Profile } from './config-file.js';

export const DEFAULT_URL = 'http://localhost:8080';

export type Credentials =
  | { readonly kind: 'basic'; readonly user: string; readonly password: string }
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'none' };

export interface Connection {
  readonly url: string;
  readonly credentials: Credentials;
  /** The profile that was consulted (it need not exist in the file). */
  readonly profile: string;
}

export interface ConnectionFlags {
  readonly url?: string | undefined;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  readonly token?: string | undefined;
  readonly profile?: string | undefined;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

function layer(
  url: string | undefined,
  user: string | undefined,
  password: string | undefined,
  token: string | undefined,
): Profile {
  const p: Profile = {};
  if (url !== undefined) p.url = url;
  if (user !== undefined) p.user = user;
  if (password !== undefined) p.password = password;
  if (token !== undefined) p.token = token;
  return p;
}

export function selectedProfile(flags: ConnectionFlags, env: NodeJS.ProcessEnv, config: ConfigFile): string {
  return nonEmpty(flags.profile) ?? nonEmpty(env.EGIZ_PROFILE) ?? config.currentProfile ?? DEFAULT_PROFILE;
}

export function resolveConnection(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv,
  config: ConfigFile,
): Connection {
  const profile = selectedProfile(flags, env, config);
  const stored: Profile = config.profiles[profile] ?? {};
  const layers: Profile[] = [
    layer(nonEmpty(flags.url), nonEmpty(flags.user), flags.password, nonEmpty(flags.token)),
    layer(nonEmpty(env.EGIZ_URL), nonEmpty(env.EGIZ_USER), env.EGIZ_PASSWORD, nonEmpty(env.EGIZ_TOKEN)),
    stored,
  ];
  const url = (layers.find((l) => l.url !== undefined)?.url ?? DEFAULT_URL).replace(/\/+$/, '');
  return { url, credentials: credentialsOf(layers), profile };
}

function credentialsOf(layers: readonly Profile[]): Credentials {
  const index = layers.findIndex((l) => l.user !== undefined || l.token !== undefined);
  const owner = layers[index];
  if (!owner) return { kind: 'none' };
  if (owner.token !== undefined) return { kind: 'bearer', token: owner.token };
  const user = owner.user as string;
  // A password may come from any layer above or at the owner (e.g. EGIZ_PASSWORD with a profile's
  // user), or from a lower layer that names the same user (or none).
  let password: string | undefined;
  for (const [i, l] of layers.entries()) {
    if (l.password === undefined) continue;
    if (i <= index || l.user === undefined || l.user === user) {
      password = l.password;
      break;
    }
  }
  return { kind: 'basic', user, password: password ?? '' };
}

export function authorizationHeader(c: Credentials): string | undefined {
  if (c.kind === 'basic') return `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`;
  if (c.kind === 'bearer') return `Bearer ${c.token}`;
  return undefined;
}
