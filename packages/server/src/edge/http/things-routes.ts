/**
 * @module HTTP API v2 /api/2/things: the Thing and every sub-resource (policyId, definition,
 * attributes, features and their definition / properties / desiredProperties), with Ditto's status
 * codes, ETags, conditional headers, field selection and historical reads.
 */
import { randomUUID } from 'node:crypto';
import {
  DittoError,
  isValidNamespace,
  parseEntityId,
  resolveThingResource,
  type JsonValue,
  type ThingResource,
} from '@egiz/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ThingService } from '../../dispatch/thing-service.js';
import type { ThingCommand, ThingCommandType } from '../../things/command.js';
import { parseMigrationRequest } from '../../things/migrate-definition.js';
import { parseBooleanHeader, parseCommandOptions } from '../command-options.js';
import { RawBody, isJsonContentType, isMergePatchContentType } from './json-body.js';
import { historicalOf, sendDecision, sendJson } from './decision-reply.js';
import type { ThingRouteContext } from './realtime-http.js';
import { headerLookup, pathSegments, queryParams, requireAuth } from './request-context.js';

export interface ThingsRoutesDeps {
  readonly things: ThingService;
  readonly defaultNamespace: string;
  /** Live channel and acknowledgements (realtime-http.ts); undefined answers for the plain twin path. */
  readonly signals?: (ctx: ThingRouteContext) => Promise<FastifyReply | undefined>;
}

const METHOD_TYPES: Readonly<Record<string, ThingCommandType>> = {
  GET: 'retrieve',
  PUT: 'modify',
  PATCH: 'merge',
  DELETE: 'delete',
};

const MAX_IDS = 200;

function thingIdOrThrow(raw: string): string {
  if (!parseEntityId(raw)) throw new DittoError('things:id.invalid', `Thing ID '${raw}' is not valid!`);
  return raw;
}

function encodeThingPath(thingId: string, pointer: readonly string[]): string {
  return ['/api/2/things', encodeURIComponent(thingId), ...pointer.map((s) => encodeURIComponent(s))].join(
    '/',
  );
}

/** The JSON body of a write, enforcing the content type Ditto expects for the method. */
function bodyOf(request: FastifyRequest, type: ThingCommandType, optional: boolean): JsonValue | undefined {
  const body = request.body as JsonValue | RawBody | undefined;
  const ct = request.headers['content-type'];
  if (body === undefined || body === null) {
    if (request.headers['content-length'] === undefined && ct === undefined && optional) return undefined;
    if (body === null) return null;
    if (optional) return undefined;
    throw new DittoError('json.invalid', 'The request needs a JSON body.');
  }
  if (body instanceof RawBody)
    throw new DittoError(
      'gateway:mediatype.unsupported',
      `The Media-Type '${body.contentType}' is not supported by this resource; use ${type === 'merge' ? 'application/merge-patch+json' : 'application/json'}.`,
    );
  if (type === 'merge' && !isMergePatchContentType(ct))
    throw new DittoError(
      'gateway:mediatype.unsupported',
      `The Media-Type '${ct ?? ''}' is not supported for PATCH; use application/merge-patch+json.`,
    );
  if (type !== 'merge' && !isJsonContentType(ct))
    throw new DittoError(
      'gateway:mediatype.unsupported',
      `The Media-Type '${ct ?? ''}' is not supported by this resource; use application/json.`,
    );
  return body;
}

export function registerThingsRoutes(app: FastifyInstance, deps: ThingsRoutesDeps): void {
  // GET /things?ids=...  and  POST /things
  app.route({
    method: ['GET', 'POST'],
    url: '/api/2/things',
    handler: async (request, reply) => {
      const auth = requireAuth(request);
      const query = queryParams(request);
      const get = headerLookup(request, query);
      if (request.method === 'POST') {
        const ns = query.get('namespace') ?? deps.defaultNamespace;
        if (!isValidNamespace(ns))
          throw new DittoError('things:id.invalid', `The namespace '${ns}' is not valid!`);
        const thingId = `${ns}:${randomUUID()}`;
        const body = bodyOf(request, 'create', true) ?? {};
        if (body !== null && typeof body === 'object' && !Array.isArray(body) && body.thingId !== undefined)
          throw new DittoError(
            'things:id.notsettable',
            'A Thing created with POST gets a generated ID: remove thingId from the body or use PUT.',
          );
        const cmd: ThingCommand = {
          type: 'create',
          thingId,
          resource: { kind: 'thing', pointer: [] },
          value: body,
          options: parseCommandOptions(get),
        };
        const decision = await deps.things.execute(cmd, auth);
        return sendDecision(
          reply,
          decision,
          encodeThingPath(thingId, []),
          parseBooleanHeader('response-required', get('response-required')),
        );
      }
      const idsParam = query.get('ids');
      if (idsParam === null) {
        const options = parseCommandOptions(() => undefined, query.get('fields') ?? undefined);
        return sendJson(reply, 200, await deps.things.list(auth, options, MAX_IDS));
      }
      const ids = idsParam
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (ids.length > MAX_IDS)
        throw new DittoError('gateway:header.invalid', `At most ${MAX_IDS} ids can be retrieved at once.`);
      ids.forEach(thingIdOrThrow);
      const options = parseCommandOptions(() => undefined, query.get('fields') ?? undefined);
      const results: JsonValue[] = [];
      for (const thingId of ids) {
        try {
          const d = await deps.things.execute(
            { type: 'retrieve', thingId, resource: { kind: 'thing', pointer: [] }, options },
            auth,
          );
          if (d.kind === 'query') results.push(d.value);
        } catch (e) {
          if (!(e instanceof DittoError) || e.status !== 404) throw e;
        }
      }
      return sendJson(reply, 200, results);
    },
  });

  app.post('/api/2/things/:thingId/migrateDefinition', async (request, reply) => {
    const auth = requireAuth(request);
    const segments = pathSegments(request, 3);
    const thingId = thingIdOrThrow(segments?.[0] ?? '');
    const query = queryParams(request);
    const get = headerLookup(request, query);
    const dryRun = parseBooleanHeader('dry-run', query.get('dry-run') ?? get('dry-run')) === true;
    const body = request.body as JsonValue | RawBody | undefined;
    if (body instanceof RawBody || !isJsonContentType(request.headers['content-type']))
      throw new DittoError(
        'gateway:mediatype.unsupported',
        'Send the migration request as application/json.',
      );
    const result = await deps.things.migrateDefinition(thingId, parseMigrationRequest(body), auth, dryRun);
    return sendJson(reply, dryRun ? 202 : 200, result);
  });

  app.route({
    method: ['GET', 'PUT', 'PATCH', 'DELETE', 'POST'],
    url: '/api/2/things/*',
    handler: async (request, reply) => {
      const auth = requireAuth(request);
      const segments = pathSegments(request, 3);
      if (!segments || segments.length === 0 || segments[0] === '')
        throw new DittoError('gateway:resource.notfound', `The resource '${request.url}' does not exist.`);
      const thingId = thingIdOrThrow(segments[0] as string);
      const resource: ThingResource | undefined = resolveThingResource(segments.slice(1));
      if (!resource)
        throw new DittoError(
          'gateway:resource.notfound',
          `The resource '${request.url.split('?')[0] ?? ''}' does not exist.`,
        );
      const type = METHOD_TYPES[request.method];
      if (!type || (type === 'delete' && resource.kind === 'policyId'))
        throw new DittoError(
          'gateway:method.notallowed',
          `The method '${request.method}' is not allowed on this resource.`,
        );
      const query = queryParams(request);
      const get = headerLookup(request, query);
      const options = parseCommandOptions(get, query.get('fields') ?? undefined);
      const value = type === 'modify' || type === 'merge' ? bodyOf(request, type, false) : undefined;
      const cmd: ThingCommand = {
        type,
        thingId,
        resource,
        ...(value !== undefined ? { value } : {}),
        options,
      };
      const historical = historicalOf(request.method, get);
      const location = (request.raw.url ?? '').split('?')[0] ?? encodeThingPath(thingId, resource.pointer);
      const handled = await deps.signals?.({ request, reply, cmd, get, historical, location });
      if (handled) return handled;
      const decision = await deps.things.execute(cmd, auth, {
        ...(historical ? { historical } : {}),
        headers: { 'correlation-id': request.correlationId, 'ditto-originator': auth.primary },
      });
      return sendDecision(
        reply,
        decision,
        location,
        parseBooleanHeader('response-required', get('response-required')),
      );
    },
  });
}
