/**
 * @module The first lines a newcomer reads: where Egiz listens, where its data lives, which
 * credentials are still the built-in defaults, and what to try next. Pure (text in, text out) so a
 * test can check it; main.ts prints it on stdout once the server is ready.
 */
import type { EgizConfig } from './app/config.js';

export interface BannerInfo {
  /** The address the HTTP server is bound to, e.g. http://127.0.0.1:8080. */
  readonly boundUrl: string;
  /** Milliseconds from process launch to ready. */
  readonly startedInMs: number;
}

const LOCAL_HOSTS = new Set(['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost', '[::]', '[::1]']);

/** The address to show: `localhost` for wildcard and loopback binds, else the bound host. */
export function publicUrl(config: Pick<EgizConfig, 'host'>, boundUrl: string): string {
  const bound = new URL(boundUrl);
  const host = LOCAL_HOSTS.has(config.host) || LOCAL_HOSTS.has(bound.hostname) ? 'localhost' : bound.hostname;
  return `${bound.protocol}//${host}:${bound.port}`;
}

/** The store without any password: the SQLite file, or the PostgreSQL URL with the password cut. */
export function storeLabel(
  config: Pick<EgizConfig, 'store' | 'dataDir'>,
  resolveFile: (p: string) => string,
): string {
  const store = config.store;
  if (store?.startsWith('postgres')) {
    try {
      const u = new URL(store);
      if (u.password) u.password = '***';
      return `PostgreSQL ${u.toString()}`;
    } catch {
      return 'PostgreSQL';
    }
  }
  if (store?.startsWith('sqlite:')) return resolveFile(store.slice('sqlite:'.length));
  return resolveFile(`${config.dataDir}/egiz.sqlite`);
}

export function startupBanner(
  config: Pick<
    EgizConfig,
    'host' | 'store' | 'dataDir' | 'users' | 'defaultUsers' | 'defaultDevopsPassword' | 'seedExamples'
  >,
  info: BannerInfo,
  resolveFile: (p: string) => string,
): string {
  const url = publicUrl(config, info.boundUrl);
  const ws = url.replace(/^http/, 'ws');
  const first = config.users[0]?.username ?? 'ditto';
  const users = config.users.map((u) => u.username).join(', ');
  const lines = [
    '',
    `  Egiz listens on ${url}  (ready ${Math.round(info.startedInMs)} ms after launch)`,
    `    API        ${url}/api/2  (WebSocket ${ws}/ws/2, health ${url}/ready)`,
    `    Data       ${storeLabel(config, resolveFile)}`,
  ];
  if (config.defaultUsers)
    lines.push(
      `    Login      ditto / ditto  (DEFAULT credentials: set EGIZ_USERS=user:password,... before exposing Egiz)`,
    );
  else lines.push(`    Users      ${users}  (from EGIZ_USERS)`);
  if (config.defaultDevopsPassword)
    lines.push('    Devops     devops / foobar  (DEFAULT password: set EGIZ_DEVOPS_PASSWORD)');
  if (config.seedExamples) lines.push(`    Examples   namespace egiz.examples, owned by nginx:${first}`);
  const login = config.defaultUsers
    ? 'npx egiz login --user ditto      # password: ditto'
    : `npx egiz login --user ${first}`;
  const urlFlag = url === 'http://localhost:8080' ? '' : ` --url ${url}`;
  lines.push(
    '',
    '  Next, in another terminal:',
    `    ${login.replace('npx egiz login', `npx egiz login${urlFlag}`)}`,
    ...(config.seedExamples ? [] : ['    npx egiz examples seed']),
    `    npx egiz search --namespaces egiz.examples --fields thingId,attributes/kind -o table`,
    '    npx egiz watch --namespaces egiz.examples',
    '    npx egiz examples simulate',
    `  or with curl:  curl -u ${config.defaultUsers ? 'ditto:ditto' : `${first}:…`} ${url}/api/2/search/things`,
    '',
  );
  return lines.join('\n') + '\n';
}
