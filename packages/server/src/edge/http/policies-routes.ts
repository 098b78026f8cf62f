/**
 * @module HTTP API v2 /api/2/policies/{policyId}[/entries[/{label}[/subjects|resources|namespaces|
 * importable|allowedAdditions|references]]|/imports[/{id}[/entries|/transitiveImports]]] with
 * Ditto's status codes, ETags, conditional headers, historical reads and `policy-view`.
 */
import { DittoError, parseEntityId, type JsonValue } from '@egiz/core';
import type { FastifyInstance } from 'fastify';
import type { PolicyService } from '../../dispatch/policy-service.js';
import type { PolicyCommand } from '../../policies/decide.js';
import { resolvePolicyResource } from '../../policies/policy-resource.js';
import { parseBooleanHeader, parseCommandOptions, parsePolicyView } from '../command-options.js';
import { RawBody, isJsonContentType } from './json-body.js';
import { historicalOf, sendDecision } from './decision-reply.js';
import { headerLookup, pathSegments, queryParams, requireAuth } from './request-context.js';

const METHOD_TYPES: Readonly<Record<string, PolicyCommand['type']>> = {
  GET: 'retrieve',
  PUT: 'modify',
  DELETE: 'delete',
};

export function registerPoliciesRoutes(app: FastifyInstance, deps: { policies: PolicyService }): void {
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH', 'POST'],
    url: '/api/2/policies/*',
    handler: async (request, reply) => {
      const auth = requireAuth(request);
      const segments = pathSegments(request, 3);
      const rawId = segments?.[0];
      if (!segments || rawId === undefined || rawId === '')
        throw new DittoError(
          'gateway:resource.notfound',
          `The resource '${request.url.split('?')[0] ?? ''}' does not exist.`,
        );
      if (!parseEntityId(rawId))
        throw new DittoError('policies:id.invalid', `Policy ID '${rawId}' is not valid!`);
      const resource = resolvePolicyResource(segments.slice(1));
      if (!resource)
        throw new DittoError(
          'gateway:resource.notfound',
          `The resource '${request.url.split('?')[0] ?? ''}' does not exist.`,
        );
      const type = METHOD_TYPES[request.method];
      if (!type)
        throw new DittoError(
          'gateway:method.notallowed',
          `The method '${request.method}' is not allowed on this resource.`,
        );
      const query = queryParams(request);
      const get = headerLookup(request, query);
      const opts = parseCommandOptions(get, query.get('fields') ?? undefined);
      // Ditto reads policy-view only for GET of the whole Policy; elsewhere it is ignored, even when invalid.
      const policyView =
        type === 'retrieve' && resource.kind === 'policy' ? parsePolicyView(get('policy-view')) : undefined;
      let value: JsonValue | undefined;
      if (type === 'modify') {
        const body = request.body as JsonValue | RawBody | undefined;
        if (body instanceof RawBody || !isJsonContentType(request.headers['content-type']))
          throw new DittoError(
            'gateway:mediatype.unsupported',
            `The Media-Type '${request.headers['content-type'] ?? ''}' is not supported by this resource; use application/json.`,
          );
        if (body === undefined) throw new DittoError('json.invalid', 'The request needs a JSON body.');
        value = body;
      }
      const cmd: PolicyCommand = {
        type,
        policyId: rawId,
        resource,
        ...(value !== undefined ? { value } : {}),
        options: {
          ...(opts.ifMatch !== undefined ? { ifMatch: opts.ifMatch } : {}),
          ...(opts.ifNoneMatch !== undefined ? { ifNoneMatch: opts.ifNoneMatch } : {}),
          ...(opts.ifEqual !== undefined ? { ifEqual: opts.ifEqual } : {}),
          ...(opts.fields !== undefined ? { fields: opts.fields } : {}),
          ...(opts.allowPolicyLockout !== undefined ? { allowPolicyLockout: opts.allowPolicyLockout } : {}),
          ...(policyView !== undefined ? { policyView } : {}),
        },
      };
      const historical = historicalOf(request.method, get);
      const decision = await deps.policies.execute(cmd, auth, historical);
      const location = (request.raw.url ?? '').split('?')[0] ?? '';
      return sendDecision(
        reply,
        decision,
        location,
        parseBooleanHeader('response-required', get('response-required')),
      );
    },
  });
}
