/** @module GET /api/2/whoami: the caller's subjects, in Ditto's format. */
import type { FastifyInstance } from 'fastify';
import { requireAuth } from './request-context.js';

export function registerWhoamiRoute(app: FastifyInstance): void {
  app.get('/api/2/whoami', (request, reply) => {
    const auth = requireAuth(request);
    return reply
      .type('application/json')
      .send(JSON.stringify({ defaultSubject: auth.primary, subjects: [...auth.subjects] }));
  });
}
