/**
 * @module Configuration from environment variables (the table in the README is the reference).
 * Parsing is strict: a malformed value stops the process at start with a message, never a guess.
 */
import { isValidNamespace, isValidNamespacePattern, parseEntityId } from '@egiz/core';
import { loadRealtimeConfig, type RealtimeConfig } from '../egress/realtime-config.js';

export interface UserCredential {
  readonly username: string;
  readonly password: string;
}

export interface EgizConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** undefined = SQLite file in dataDir; `postgres://...` = PostgreSQL. */
  readonly store: string | undefined;
  readonly users: readonly UserCredential[];
  /** True when EGIZ_USERS was not set and the built-in ditto:ditto is in use. */
  readonly defaultUsers: boolean;
  readonly preauth: boolean;
  readonly devopsPassword: string;
  readonly defaultDevopsPassword: boolean;
  readonly defaultNamespace: string;
  readonly logLevel: string;
  readonly production: boolean;
  readonly maxThingBytes: number;
  readonly maxPolicyBytes: number;
  /** Operator-configured root policies per namespace pattern (multi-tenancy). */
  readonly namespaceRootPolicies: readonly {
    readonly patterns: readonly string[];
    readonly policyId: string;
  }[];
  readonly maxBodyBytes: number;
  readonly cacheSize: number;
  readonly sqliteSynchronous: 'FULL' | 'NORMAL';
  /** Seed the example world on start (idempotent). */
  readonly seedExamples: boolean;
  /** The event bus: in process, or NATS shared by the nodes of one deployment. */
  readonly bus: BusConfig;
  /** WebSocket / SSE limits and trusted JWT issuers (see egress/realtime-config.ts). */
  readonly realtime: RealtimeConfig;
}

export type BusConfig =
  | { readonly kind: 'memory' }
  | {
      readonly kind: 'nats';
      readonly url: string;
      readonly subject: string;
      readonly user?: string;
      readonly password?: string;
      readonly token?: string;
    };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DEFAULT_USERS = 'ditto:ditto';
const DEFAULT_DEVOPS_PASSWORD = 'foobar';

function int(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name} must be an integer in [${min}, ${max}], got '${raw}'`);
  return n;
}

export function parseUsers(text: string): UserCredential[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((pair) => {
      const i = pair.indexOf(':');
      if (i <= 0 || i === pair.length - 1)
        throw new ConfigError(`EGIZ_USERS entries are user:password, got an entry without both`);
      return { username: pair.slice(0, i), password: pair.slice(i + 1) };
    });
}

/** EGIZ_NAMESPACE_ROOT_POLICIES: `pattern[|pattern]=policyId` pairs separated by `;`. */
export function parseNamespaceRoots(text: string | undefined): EgizConfig['namespaceRootPolicies'] {
  if (!text) return [];
  return text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((pair) => {
      const i = pair.lastIndexOf('=');
      const patterns = pair
        .slice(0, Math.max(i, 0))
        .split('|')
        .map((p) => p.trim())
        .filter((p) => p.length > 0);
      const policyId = pair.slice(i + 1).trim();
      if (
        i <= 0 ||
        patterns.length === 0 ||
        !patterns.every(isValidNamespacePattern) ||
        !parseEntityId(policyId)
      )
        throw new ConfigError(
          `EGIZ_NAMESPACE_ROOT_POLICIES entry '${pair}' is not 'namespace-pattern[|pattern]=policyId'`,
        );
      return { patterns, policyId };
    });
}

const NATS_SUBJECT = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

/** EGIZ_BUS (memory | nats) and the EGIZ_NATS_* settings. */
export function parseBusConfig(env: Record<string, string | undefined>): BusConfig {
  const kind = env.EGIZ_BUS === undefined || env.EGIZ_BUS === '' ? 'memory' : env.EGIZ_BUS;
  if (kind === 'memory') return { kind };
  if (kind !== 'nats') throw new ConfigError(`EGIZ_BUS must be memory or nats, got '${kind}'`);
  const url = env.EGIZ_NATS_URL || 'nats://127.0.0.1:4222';
  for (const server of url.split(',')) {
    if (!/^(?:nats|tls):\/\/[^\s/@]+(?::\d+)?\/?$/.test(server.trim()))
      throw new ConfigError(
        `EGIZ_NATS_URL must be nats://host:port (comma-separated for several; credentials go in EGIZ_NATS_USER / EGIZ_NATS_PASSWORD or EGIZ_NATS_TOKEN), got '${server.trim()}'`,
      );
  }
  const subject = env.EGIZ_NATS_SUBJECT || 'egiz.events';
  if (!NATS_SUBJECT.test(subject))
    throw new ConfigError(
      `EGIZ_NATS_SUBJECT must be dot-separated tokens of letters, digits, '_' and '-', got '${subject}'`,
    );
  const user = env.EGIZ_NATS_USER || undefined;
  const password = env.EGIZ_NATS_PASSWORD || undefined;
  const token = env.EGIZ_NATS_TOKEN || undefined;
  if ((user === undefined) !== (password === undefined))
    throw new ConfigError('EGIZ_NATS_USER and EGIZ_NATS_PASSWORD are set together or not at all');
  return {
    kind,
    url,
    subject,
    ...(user !== undefined ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(token !== undefined ? { token } : {}),
  };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): EgizConfig {
  const production = env.NODE_ENV === 'production';
  const usersText = env.EGIZ_USERS;
  const users = parseUsers(usersText ?? DEFAULT_USERS);
  if (users.length === 0) throw new ConfigError('EGIZ_USERS must name at least one user:password');
  const defaultNamespace = env.EGIZ_DEFAULT_NAMESPACE ?? 'egiz';
  if (!isValidNamespace(defaultNamespace))
    throw new ConfigError(`EGIZ_DEFAULT_NAMESPACE '${defaultNamespace}' is not a valid namespace`);
  const sync = (env.EGIZ_SQLITE_SYNCHRONOUS ?? 'FULL').toUpperCase();
  if (sync !== 'FULL' && sync !== 'NORMAL')
    throw new ConfigError('EGIZ_SQLITE_SYNCHRONOUS must be FULL or NORMAL');
  const defaultUsers =
    usersText === undefined || users.some((u) => u.username === 'ditto' && u.password === 'ditto');
  const devopsPassword = env.EGIZ_DEVOPS_PASSWORD ?? DEFAULT_DEVOPS_PASSWORD;
  const config: EgizConfig = {
    port: int(env, 'EGIZ_PORT', 8080, 0, 65535),
    host: env.EGIZ_HOST ?? '0.0.0.0',
    dataDir: env.EGIZ_DATA_DIR ?? './data',
    store: env.EGIZ_STORE === '' ? undefined : env.EGIZ_STORE,
    users,
    defaultUsers,
    preauth: env.EGIZ_PREAUTH === 'true',
    devopsPassword,
    defaultDevopsPassword: devopsPassword === DEFAULT_DEVOPS_PASSWORD,
    defaultNamespace,
    logLevel: env.EGIZ_LOG_LEVEL ?? 'info',
    production,
    maxThingBytes: int(env, 'EGIZ_MAX_THING_BYTES', 100 * 1024, 1024, 16 * 1024 * 1024),
    maxPolicyBytes: int(env, 'EGIZ_MAX_POLICY_BYTES', 100 * 1024, 1024, 16 * 1024 * 1024),
    namespaceRootPolicies: parseNamespaceRoots(env.EGIZ_NAMESPACE_ROOT_POLICIES),
    maxBodyBytes: int(env, 'EGIZ_MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    cacheSize: int(env, 'EGIZ_CACHE_SIZE', 100_000, 1, 10_000_000),
    sqliteSynchronous: sync,
    seedExamples: env.EGIZ_SEED_EXAMPLES === 'true',
    bus: parseBusConfig(env),
    realtime: loadRealtimeConfig(env, (message) => {
      throw new ConfigError(message);
    }),
  };
  if (production && config.defaultUsers)
    throw new ConfigError(
      'NODE_ENV=production refuses the default credentials ditto:ditto: set EGIZ_USERS to your own user:password list',
    );
  if (production && config.defaultDevopsPassword)
    throw new ConfigError(
      'NODE_ENV=production refuses the default devops password: set EGIZ_DEVOPS_PASSWORD',
    );
  return config;
}
