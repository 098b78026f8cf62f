/**
 * @module The Fastify instance of the HTTP edge and its request lifecycle:
 * onRequest (correlation-id, authentication of /api) -> content-type parser (JSON with limits, other
 * types kept raw) -> route -> error handler (Ditto error JSON) -> onResponse (metrics).
 */
import { randomUUID } from 'node:crypto';
import { DittoError } from '@egiz/core';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Authenticator } from '../../auth/authenticate.js';
import type { JwtVerifier } from '../../auth/jwt/jwt-verifier.js';
import type { Metrics } from '../../ops/metrics.js';
import type { Counter, Histogram } from 'prom-client';
import { RawBody, parseJsonBody } from './json-body.js';
import { sendError, toDittoError } from './reply.js';
import './request-context.js';

export interface HttpServerOptions {
  readonly logger: Logger;
  readonly authenticator: Authenticator;
  /** Verifies `Authorization: Bearer <jwt>` when issuers are configured. */
  readonly jwt?: JwtVerifier;
  readonly metrics: Metrics;
  readonly maxBodyBytes: number;
}

const CORRELATION = /^[\x21-\x7e]{1,200}$/;

function isAuthenticatedPath(url: string): boolean {
  return url.startsWith('/api/') || url === '/api' || url.startsWith('/ws/');
}

export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
  // Typed as Fastify's logger so the instance keeps the default FastifyInstance type.
  const logger: FastifyBaseLogger = opts.logger;
  let requestCount = 0;
  const app = Fastify({
    loggerInstance: logger,
    // Per-request logs would dominate the cost of a request; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.maxBodyBytes,
    routerOptions: { maxParamLength: 1024 },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Request ids only tag log lines (the correlation-id is what clients see): a counter is enough.
    genReqId: () => `r${(++requestCount).toString(36)}`,
  });

  app.decorateRequest('auth', undefined);
  app.decorateRequest('correlationId', '');

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/json', 'application/merge-patch+json'],
    { parseAs: 'string' },
    (_req, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') {
        done(null, undefined);
        return;
      }
      try {
        done(null, parseJsonBody(text));
      } catch (e) {
        done(e as Error, undefined);
      }
    },
  );
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    done(null, new RawBody(req.headers['content-type'] ?? '', body as Buffer));
  });

  app.addHook('onRequest', (request, reply, done) => {
    const given = request.headers['correlation-id'] ?? request.headers['x-correlation-id'];
    const cid = typeof given === 'string' && CORRELATION.test(given) ? given : randomUUID();
    request.correlationId = cid;
    void reply.header('correlation-id', cid);
    if (isAuthenticatedPath(request.url)) {
      const pre = request.headers['x-ditto-pre-authenticated'];
      const auth = opts.authenticator.authenticate({
        authorization: request.headers.authorization,
        preAuthenticated: typeof pre === 'string' ? pre : undefined,
      });
      const bearer = auth ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
      if (!auth && bearer !== undefined && opts.jwt?.enabled) {
        opts.jwt.verify(bearer).then(
          (verified) => {
            request.auth = verified.auth;
            done();
          },
          (e: unknown) => {
            void reply.header('www-authenticate', 'Bearer realm="EGIZ"');
            sendError(
              reply,
              e instanceof DittoError
                ? e
                : new DittoError('gateway:jwt.invalid', 'The token could not be verified.'),
            );
          },
        );
        return;
      }
      if (!auth) {
        void reply.header('www-authenticate', 'Basic realm="EGIZ"');
        sendError(
          reply,
          new DittoError(
            'gateway:authentication.failed',
            'Unauthorized: valid credentials are required (HTTP Basic).',
          ),
        );
        return;
      }
      request.auth = auth;
    }
    done();
  });

  // Label children bound once per (method, route, status): prom-client hashes the label set on
  // every unbound inc()/observe(), a measurable share of a cheap request.
  const requestCounters = new Map<string, Counter.Internal>();
  const durationHistograms = new Map<string, Histogram.Internal<'method' | 'route'>>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const method = request.method;
    const status = reply.statusCode;
    const key = `${method} ${route}`;
    const statusKey = `${key} ${status}`;
    let counter = requestCounters.get(statusKey);
    if (counter === undefined) {
      counter = opts.metrics.httpRequests.labels({ method, route, status: String(status) });
      requestCounters.set(statusKey, counter);
    }
    counter.inc();
    let histogram = durationHistograms.get(key);
    if (histogram === undefined) {
      histogram = opts.metrics.httpDuration.labels({ method, route });
      durationHistograms.set(key, histogram);
    }
    histogram.observe(reply.elapsedTime / 1000);
    done();
  });

  app.setErrorHandler((error, request, reply) => {
    const ditto = toDittoError(error, request);
    if (ditto) return sendError(reply, ditto);
    request.log.error({ err: error, correlationId: request.correlationId }, 'unexpected error');
    return sendError(
      reply,
      new DittoError(
        'gateway:internalerror',
        `An unexpected error occurred (correlation-id ${request.correlationId}).`,
      ),
    );
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new DittoError(
        'gateway:resource.notfound',
        `The resource '${request.url.split('?')[0] ?? ''}' does not exist.`,
      ),
    ),
  );

  return app;
}
