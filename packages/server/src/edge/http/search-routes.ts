/**
 * @module HTTP API v2 /api/2/search/things and /api/2/search/things/count: GET with query parameters
 * or POST with an application/x-www-form-urlencoded body (`filter`, `namespaces`, `fields`,
 * `option`, `condition`), answered by the SearchService with Ditto's result shape. Plus two Egiz
 * extensions: POST /api/2/search/things/merge (one merge patch for every matching Thing, paged) and
 * GET /api/2/search/things/aggregate (counts per value, min/max/avg/sum).
 */
import { DittoError, type JsonObject, type JsonValue } from '@egiz/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ThingService } from '../../dispatch/thing-service.js';
import { mergeByFilter } from '../../dispatch/bulk-merge.js';
import { aggregate } from '../../search/search-aggregate.js';
import type { SearchParams } from '../../search/search-request.js';
import type { SearchResult, SearchService } from '../../search/search-service.js';
import { sendJson } from './decision-reply.js';
import { RawBody, isMergePatchContentType } from './json-body.js';
import { queryParams, requireAuth } from './request-context.js';

export interface SearchRoutesDeps {
  readonly search: SearchService;
  readonly things: ThingService;
}

const FORM = /^application\/x-www-form-urlencoded\s*(;.*)?$/i;

/** Parameters from the query string, and for POST from the form body (which wins). */
export function searchParams(request: FastifyRequest): SearchParams {
  const sources = [queryParams(request)];
  if (request.method === 'POST') {
    const body = request.body;
    if (body instanceof RawBody) {
      if (!FORM.test(body.contentType.trim()))
        throw new DittoError(
          'gateway:mediatype.unsupported',
          `The Media-Type '${body.contentType}' is not supported by this resource; use application/x-www-form-urlencoded.`,
        );
      sources.unshift(new URLSearchParams(body.bytes.toString('utf8')));
    } else if (body !== undefined && body !== null) {
      throw new DittoError(
        'gateway:mediatype.unsupported',
        'The search takes its parameters as application/x-www-form-urlencoded, not as JSON.',
      );
    }
  }
  // Repeated `option`, `namespaces` and `fields` parameters are one comma-separated list.
  const all = (name: string): string | undefined => {
    for (const source of sources) {
      const values = source.getAll(name);
      if (values.length > 0) return values.join(',');
    }
    return undefined;
  };
  const first = (name: string): string | undefined => {
    for (const source of sources) {
      const value = source.get(name);
      if (value !== null) return value;
    }
    return undefined;
  };
  return {
    filter: first('filter'),
    condition: first('condition'),
    namespaces: all('namespaces'),
    fields: all('fields'),
    option: all('option'),
  };
}

function resultJson(result: SearchResult): JsonObject {
  const json: JsonObject = { items: result.items };
  if (result.nextPageOffset !== undefined) json.nextPageOffset = result.nextPageOffset;
  if (result.cursor !== undefined) json.cursor = result.cursor;
  return json;
}

export function registerSearchRoutes(app: FastifyInstance, deps: SearchRoutesDeps): void {
  app.route({
    method: ['GET', 'POST'],
    url: '/api/2/search/things',
    handler: async (request, reply) => {
      const result = await deps.search.search(searchParams(request), requireAuth(request));
      return sendJson(reply, 200, resultJson(result));
    },
  });
  app.route({
    method: ['GET', 'POST'],
    url: '/api/2/search/things/count',
    handler: async (request, reply) => {
      return sendJson(reply, 200, await deps.search.count(searchParams(request), requireAuth(request)));
    },
  });
  // Egiz extension: the filter and paging come from the query string, the patch is the body.
  app.post('/api/2/search/things/merge', async (request, reply) => {
    const auth = requireAuth(request);
    const ct = request.headers['content-type'];
    if (request.body instanceof RawBody || !isMergePatchContentType(ct))
      throw new DittoError(
        'gateway:mediatype.unsupported',
        `The Media-Type '${ct ?? ''}' is not supported here; send the patch as application/merge-patch+json.`,
      );
    const query = queryParams(request);
    const params: SearchParams = {
      filter: query.get('filter') ?? undefined,
      namespaces: query.getAll('namespaces').join(',') || undefined,
      option: query.getAll('option').join(',') || undefined,
    };
    const result = await mergeByFilter(deps, params, request.body as JsonValue | undefined, auth, {
      'correlation-id': request.correlationId,
      'ditto-originator': auth.primary,
    });
    return sendJson(reply, 200, { ...result });
  });
  // Egiz extension: counts per value and numeric metrics over the matching Things.
  app.get('/api/2/search/things/aggregate', async (request, reply) => {
    const query = queryParams(request);
    const result = await aggregate(
      deps.search,
      {
        ...searchParams(request),
        groupBy: query.get('groupBy') ?? undefined,
        metric: query.get('metric') ?? undefined,
      },
      requireAuth(request),
    );
    return sendJson(reply, 200, { ...result });
  });
}
