/**
 * @module Search results as Server-Sent Events (httpapi-sse, "SSE for search results"):
 * `GET /api/2/search/things` with `Accept: text/event-stream` sends every matching Thing the caller
 * may read as one event (`data:` the item as the search answers it, `id:` its thingId), in the
 * order of `option=sort(...)`, then ends the response. A reconnecting client sends
 * `Last-Event-ID: <thingId>` and the stream continues after that Thing's position in the order.
 * The rows are fetched in chunks as the socket drains, so a slow reader holds no more than the
 * outbox limits.
 */
import { DittoError } from '@egiz/core';
import type { FastifyInstance } from 'fastify';
import type { OutboxLimits } from '../../egress/outbox.js';
import type { Metrics } from '../../ops/metrics.js';
import { parseStreamRequest } from '../../search/search-request.js';
import type { SearchService } from '../../search/search-service.js';
import { searchParams } from '../http/search-routes.js';
import { requireAuth } from '../http/request-context.js';
import { SseStream } from './sse-stream.js';

export interface SseSearchDeps {
  readonly search: SearchService;
  readonly metrics: Metrics;
  readonly limits: OutboxLimits;
}

/** Registers the route; needs the `eventStream` constraint of registerSseRoutes (register after it). */
export function registerSseSearchRoute(app: FastifyInstance, deps: SseSearchDeps): void {
  const streams = new Set<SseStream>();
  app.get('/api/2/search/things', { constraints: { eventStream: 'yes' } }, async (request, reply) => {
    const auth = requireAuth(request);
    const search = parseStreamRequest(searchParams(request));
    const header = request.headers['last-event-id'];
    const lastId = typeof header === 'string' && header.trim() !== '' ? header.trim() : undefined;
    let after;
    if (lastId !== undefined) {
      after = await deps.search.resumePosition(search, auth, lastId);
      if (after === undefined)
        throw new DittoError(
          'thing-search:search.option.invalid',
          `The stream cannot resume after '${lastId}': no Thing with that ID is visible to you.`,
          { description: "Send the 'id' of an event received earlier as Last-Event-ID, or none." },
        );
    }
    const items = deps.search.stream(search, auth, after);
    // The first chunk is read before the response starts, so a failing query still answers 4xx/5xx.
    let next = await items.next();
    reply.hijack();
    request.raw.socket.setNoDelay(true);
    const stream = new SseStream(reply.raw, deps.limits, deps.metrics);
    streams.add(stream);
    stream.onClose(() => {
      streams.delete(stream);
      void items.return(undefined);
    });
    try {
      while (!next.done && !stream.closed) {
        stream.send({ data: JSON.stringify(next.value.item), id: next.value.thingId });
        const { queued, queuedBytes } = stream.stats;
        if (queued > deps.limits.maxQueued / 2 || queuedBytes > deps.limits.maxQueuedBytes / 2)
          await stream.drained();
        next = await items.next();
      }
      await stream.drained();
      stream.close();
    } catch (e) {
      request.log.error({ err: e }, 'search stream failed');
      stream.fail(
        e instanceof DittoError
          ? e
          : new DittoError('gateway:internalerror', 'The search could not continue.'),
      );
    }
  });
  app.addHook('preClose', (done) => {
    for (const s of [...streams]) s.close();
    done();
  });
}
