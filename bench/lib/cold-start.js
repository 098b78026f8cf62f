/**
 * @module Cold start: spawn -> first 200 from GET /ready, polled every 2 ms on a port chosen before
 * the spawn (the banner comes later than readiness), then the RSS after `idleMs` of idleness.
 */
import process from 'node:process';
import { httpOnce } from './http-load.js';
import { rssMb } from './proc-stats.js';
import { freePort, sleep } from './context.js';

/**
 * @param {(port: number) => import('./servers.js').ServerProcess} make an unstarted server on `port`
 * @returns {Promise<{ readyMs: number, bannerMs: number, idleRssMb: number | undefined, server: import('./servers.js').ServerProcess }>}
 *   the server is still running
 */
export async function coldStart(make, idleMs, timeoutMs = 60000) {
  const port = await freePort();
  const server = make(port);
  const started = server.start();
  started.catch(() => {}); // awaited below; a failure must not surface as unhandled first
  const deadline = Date.now() + timeoutMs;
  let readyAt;
  while (Date.now() < deadline) {
    if (server.exitCode !== undefined) break;
    try {
      const r = await httpOnce(port, { method: 'GET', path: '/ready' });
      if (r.status === 200) {
        readyAt = process.hrtime.bigint();
        break;
      }
    } catch {
      // not listening yet
    }
    await sleep(2);
  }
  await started;
  if (readyAt === undefined) throw new Error(`${server.name} was not ready within ${timeoutMs} ms`);
  await sleep(idleMs);
  return {
    readyMs: Number(readyAt - server.spawnedAt) / 1e6,
    bannerMs: Number(server.bannerAt - server.spawnedAt) / 1e6,
    idleRssMb: rssMb(server.pid),
    server,
  };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
