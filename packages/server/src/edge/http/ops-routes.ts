/**
 * @module Operations endpoints: /health, /alive, /ready (503 while starting, draining or when the store
 * is down), /status/health and /overall/status (devops Basic auth), /metrics (Prometheus).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DittoError } from '@egiz/core';
import { parseBasic, verifyFixed } from '../../auth/basic-auth.js';
import type { Metrics } from '../../ops/metrics.js';
import { sendError } from './reply.js';

export interface HealthSource {
  /** Undefined when ready, else why not. */
  notReadyReason(): Promise<string | undefined>;
  details(): Promise<Record<string, unknown>>;
}

export interface OpsDeps {
  readonly health: HealthSource;
  readonly metrics: Metrics;
  readonly devopsPassword: string;
}

export function registerOpsRoutes(app: FastifyInstance, deps: OpsDeps): void {
  app.get('/alive', (_req, reply) => reply.code(200).send({ status: 'UP' }));

  app.get('/health', async (_req, reply) => {
    const reason = await deps.health.notReadyReason();
    return reply
      .code(reason ? 503 : 200)
      .send({ status: reason ? 'DOWN' : 'UP', ...(reason ? { reason } : {}) });
  });

  app.get('/ready', async (_req, reply) => {
    const reason = await deps.health.notReadyReason();
    return reply
      .code(reason ? 503 : 200)
      .send({ status: reason ? 'DOWN' : 'UP', ...(reason ? { reason } : {}) });
  });

  const devops = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!verifyFixed(parseBasic(request.headers.authorization), 'devops', deps.devopsPassword)) {
      void reply.header('www-authenticate', 'Basic realm="EGIZ-DEVOPS"');
      return sendError(
        reply,
        new DittoError(
          'gateway:authentication.failed',
          'Unauthorized: the devops endpoints need the devops user.',
        ),
      );
    }
    const reason = await deps.health.notReadyReason();
    const details = await deps.health.details();
    return reply.code(reason ? 503 : 200).send({
      label: 'egiz',
      status: reason ? 'DOWN' : 'UP',
      ...(reason ? { reason } : {}),
      details,
    });
  };
  app.get('/status/health', devops);
  app.get('/overall/status', devops);

  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}
