#!/usr/bin/env node
/** @module Process entry point: load config, start Egiz, print where it runs, stop cleanly on SIGTERM/SIGINT. */
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './app/config.js';
import { createEgiz } from './app/egiz.js';
import { startupBanner } from './banner.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`egiz: configuration error: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const egiz = createEgiz(config);
  const log = egiz.logger;
  // Signal handlers go in before anything is printed: a supervisor may send SIGTERM the moment it
  // sees the banner.
  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) return;
    signalled = true;
    log.info({ signal }, 'stopping: finishing in-flight requests');
    egiz.stop().then(
      () => {
        log.info('stopped cleanly');
        process.exit(0);
      },
      (e: unknown) => {
        log.error({ err: e }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  const started = performance.now();
  const url = await egiz.start();
  if (signalled) return;
  const where = config.store?.startsWith('postgres') ? 'PostgreSQL' : resolve(config.dataDir, 'egiz.sqlite');
  log.info({ url, store: where, ms: Math.round(performance.now() - started) }, 'Egiz is ready');
  if (config.defaultUsers)
    log.warn(
      'DEFAULT CREDENTIALS ditto:ditto are active. Set EGIZ_USERS=user:password,... before exposing Egiz; NODE_ENV=production refuses them.',
    );
  if (config.defaultDevopsPassword)
    log.warn('DEFAULT devops password is active. Set EGIZ_DEVOPS_PASSWORD; NODE_ENV=production refuses it.');
  process.stdout.write(
    startupBanner(config, { boundUrl: url, startedInMs: process.uptime() * 1000 }, (p) => resolve(p)),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`egiz: failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
