/** @module POST /api/2/checkPermissions (Ditto): named permission checks for the caller. */
import { DittoError, type JsonValue } from '@egiz/core';
import type { FastifyInstance } from 'fastify';
import type { PermissionChecks } from '../../dispatch/permission-checks.js';
import { RawBody } from './json-body.js';
import { sendJson } from './decision-reply.js';
import { requireAuth } from './request-context.js';

export function registerCheckPermissionsRoute(
  app: FastifyInstance,
  deps: { checks: PermissionChecks },
): void {
  app.post('/api/2/checkPermissions', async (request, reply) => {
    const auth = requireAuth(request);
    const body = request.body as JsonValue | RawBody | undefined;
    if (body === undefined || body instanceof RawBody)
      throw new DittoError('gateway:mediatype.unsupported', 'Send the checks as application/json.');
    return sendJson(reply, 200, await deps.checks.check(body, auth));
  });
}
