/**
 * @module The third-party modules the baselines use, resolved from packages/server so that the
 * baselines run on exactly the Fastify, better-sqlite3 and ws versions Egiz runs on (no extra
 * dependency in the root package.json).
 */
import { URL } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../packages/server/package.json', import.meta.url));

/** @returns {typeof import('fastify').default} */
export function loadFastify() {
  return require('fastify');
}

/** @returns {typeof import('better-sqlite3')} */
export function loadSqlite() {
  return require('better-sqlite3');
}

/** @returns {typeof import('ws')} */
export function loadWs() {
  return require('ws');
}

/** Version of a dependency as installed for packages/server. */
export function versionOf(name) {
  try {
    return require(`${name}/package.json`).version;
  } catch {
    return 'unknown';
  }
}
