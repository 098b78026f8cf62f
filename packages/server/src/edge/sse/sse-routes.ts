/**
 * @module Server-Sent Events (httpapi-sse, basic-history): `GET /api/2/things` with
 * `Accept: text/event-stream` streams change notifications as partial Thing JSON (`ids`, `fields`
 * incl. `_context`, `filter`, `namespaces`, `extraFields`); `GET /api/2/things/{id}[/path]` streams
 * one Thing or the value at a path, replays its journal with `from-/to-historical-revision` or
 * `-timestamp` (then ends), and resumes after `Last-Event-ID` (a revision) before going live;
 * `.../[features/{f}/]inbox|outbox/messages[/subject]` streams message payloads. The routes are
 * chosen by the Accept header, so the JSON routes of the same URLs stay as they are.
 */
import type { ServerResponse } from 'node:http';
import {
  DittoError,
  eventAsThing,
  getAt,
  isJsonObject,
  isValidNamespace,
  parseEntityId,
  parseMessagePath,
  selectFields,
  thingEventEnvelope,
  type JsonObject,
  type JsonValue,
  type Pointer,
} from '@egiz/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthContext } from '../../dispatch/auth-context.js';
import type { ThingService } from '../../dispatch/thing-service.js';
import type { EventDelivery, EventFanout, EventSink } from '../../egress/event-fanout.js';
import type { LiveRouter } from '../../egress/live-router.js';
import type { OutboxLimits } from '../../egress/outbox.js';
import { compileSelector, parseExtraFields, type StreamSelector } from '../../egress/stream-selector.js';
import type { Metrics } from '../../ops/metrics.js';
import { pathSegments, queryParams, requireAuth } from '../http/request-context.js';
import { SseStream } from './sse-stream.js';

export interface SseDeps {
  readonly things: ThingService;
  readonly fanout: EventFanout;
  readonly live: LiveRouter;
  readonly metrics: Metrics;
  readonly limits: OutboxLimits;
  readonly clock: () => Date;
}

const MAX_IDS = 200;
const CONTEXT = '_context';

function wantsEventStream(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(accept);
}

function list(raw: string | null): string[] | undefined {
  if (raw === null || raw === '') return undefined;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n))
    throw new DittoError('gateway:header.invalid', `The parameter '${name}' must be an integer.`);
  return n;
}

function timeParam(query: URLSearchParams, name: string): string | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const t = Date.parse(raw);
  if (Number.isNaN(t))
    throw new DittoError('gateway:header.invalid', `The parameter '${name}' must be an ISO-8601 timestamp.`);
  return new Date(t).toISOString();
}

function mergeObjects(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isJsonObject(b) && isJsonObject(v) ? mergeObjects(b, v) : v;
  }
  return out;
}

/**
 * The SSE data of one delivered event: the event as a partial Thing (what the reader may see),
 * merged with the enrichment, cut to `fields` (with `_context` when selected), or the value at the
 * stream's path. Undefined when nothing is left to send.
 */
export function sseThingData(
  d: EventDelivery,
  fields: readonly Pointer[] | undefined,
  pointer: Pointer | undefined,
): JsonValue | undefined {
  const partial = eventAsThing(
    d.value === d.event.value
      ? d.event
      : { ...d.event, ...(d.value !== undefined ? { value: d.value } : {}) },
  );
  const thing = d.extra ? mergeObjects(partial, d.extra) : partial;
  if (pointer && pointer.length > 0) return getAt(thing, pointer);
  const { _revision, _modified, ...plain } = thing;
  if (!fields) return plain;
  const withSpecial: JsonObject = { ...thing };
  if (fields.some((f) => f[0] === CONTEXT)) {
    const envelope = thingEventEnvelope(d.event, {
      headers: d.headers,
      ...(d.value !== undefined ? { value: d.value } : {}),
    });
    withSpecial[CONTEXT] = {
      topic: envelope.topic,
      path: envelope.path,
      ...(envelope.value !== undefined ? { value: envelope.value } : {}),
      headers: { ...envelope.headers },
    };
  }
  void _revision;
  void _modified;
  const selected = selectFields(withSpecial, fields);
  return Object.keys(selected).length > 0 ? selected : undefined;
}

interface ThingStreamSpec {
  readonly auth: AuthContext;
  readonly selector: StreamSelector;
  readonly fields?: readonly Pointer[];
  readonly pointer?: Pointer;
  readonly withIds: boolean;
}

function sinkFor(
  stream: SseStream,
  spec: ThingStreamSpec,
  id: string,
): EventSink & { held?: EventDelivery[] } {
  const sink: EventSink & { held?: EventDelivery[] } = {
    id,
    selector: spec.selector,
    subjects: () => spec.auth.subjects,
    deliver: (d) => {
      if (sink.held) {
        sink.held.push(d);
        return;
      }
      send(stream, spec, d);
    },
  };
  return sink;
}

function send(stream: SseStream, spec: ThingStreamSpec, d: EventDelivery): void {
  const data = sseThingData(d, spec.fields, spec.pointer);
  if (data === undefined) return;
  stream.send({ data: JSON.stringify(data), ...(spec.withIds ? { id: String(d.event.revision) } : {}) });
}

export function registerSseRoutes(app: FastifyInstance, deps: SseDeps): { closeAll(): void } {
  const streams = new Set<SseStream>();
  let seq = 0;
  deps.metrics.realtimeQueueSources.set('sse', () => {
    let n = 0;
    for (const s of streams) n += s.stats.queued;
    return n;
  });

  app.addConstraintStrategy({
    name: 'eventStream',
    storage() {
      const handlers = new Map<string, unknown>();
      return {
        get: (k: string) => (handlers.get(k) ?? null) as never,
        set: (k: string, v: unknown) => void handlers.set(k, v),
      };
    },
    deriveConstraint: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const accept = req.headers.accept;
      return wantsEventStream(Array.isArray(accept) ? accept.join(',') : accept) ? 'yes' : undefined;
    },
    mustMatchWhenDerived: false,
  });

  const start = (request: FastifyRequest, replyRaw: ServerResponse): SseStream => {
    request.raw.socket.setNoDelay(true);
    const stream = new SseStream(replyRaw, deps.limits, deps.metrics);
    streams.add(stream);
    stream.onClose(() => streams.delete(stream));
    return stream;
  };

  // All things.
  app.get('/api/2/things', { constraints: { eventStream: 'yes' } }, async (request, reply) => {
    const auth = requireAuth(request);
    const query = queryParams(request);
    const ids = list(query.get('ids'));
    if (ids && ids.length > MAX_IDS)
      throw new DittoError('gateway:header.invalid', `At most ${MAX_IDS} ids.`);
    for (const id of ids ?? [])
      if (!parseEntityId(id)) throw new DittoError('things:id.invalid', `Thing ID '${id}' is not valid!`);
    const namespaces = list(query.get('namespaces'));
    for (const ns of namespaces ?? [])
      if (!isValidNamespace(ns))
        throw new DittoError('gateway:header.invalid', `The namespace '${ns}' is not valid.`);
    const spec: ThingStreamSpec = {
      auth,
      selector: compileSelector(
        {
          ...(namespaces ? { namespaces } : {}),
          ...(ids ? { thingIds: ids } : {}),
          ...(query.get('filter') !== null ? { filter: query.get('filter') as string } : {}),
          ...(query.get('extraFields') !== null ? { extraFields: query.get('extraFields') as string } : {}),
        },
        deps.clock,
      ),
      ...(query.get('fields') ? { fields: parseExtraFields(query.get('fields') as string) } : {}),
      withIds: false,
    };
    reply.hijack();
    const stream = start(request, reply.raw);
    const off = deps.fanout.add(sinkFor(stream, spec, `sse-${++seq}`));
    stream.onClose(off);
  });

  // One thing, a path of it, its history, or its mailboxes.
  app.get('/api/2/things/*', { constraints: { eventStream: 'yes' } }, async (request, reply) => {
    const auth = requireAuth(request);
    const segments = pathSegments(request, 3);
    const thingId = segments?.[0] ?? '';
    if (!parseEntityId(thingId))
      throw new DittoError('things:id.invalid', `Thing ID '${thingId}' is not valid!`);
    const rest = (segments ?? []).slice(1).filter((s, i, a) => !(s === '' && i === a.length - 1));
    if (rest.some((s) => s === ''))
      throw new DittoError(
        'gateway:resource.notfound',
        `The resource '${request.url.split('?')[0] ?? ''}' does not exist.`,
      );
    const query = queryParams(request);
    const mailbox = parseMessagePath(`/${rest.join('/')}`) ?? parseMailboxOnly(rest);
    if (mailbox) {
      const state = await deps.things.load(thingId);
      if (!state || state.deleted)
        throw new DittoError(
          'things:thing.notfound',
          `The Thing '${thingId}' does not exist or you may not read it.`,
        );
      const selector = compileSelector({ thingIds: [thingId] }, deps.clock);
      reply.hijack();
      const stream = start(request, reply.raw);
      const off = deps.live.add({
        id: `sse-${++seq}`,
        stream: 'MESSAGES',
        selector,
        subjects: () => auth.subjects,
        mailbox: {
          thingId,
          ...(mailbox.featureId !== undefined ? { featureId: mailbox.featureId } : {}),
          mailbox: mailbox.mailbox,
          ...(mailbox.subject !== undefined ? { subject: mailbox.subject } : {}),
        },
        deliver: (envelope) => {
          const v = envelope.value;
          const subject = envelope.topic.split('/').slice(5).join('/');
          return stream.send({ event: subject, data: typeof v === 'string' ? v : JSON.stringify(v ?? null) });
        },
      });
      stream.onClose(off);
      return;
    }
    const pointer: Pointer = rest;
    const fieldsParam = query.get('fields');
    const spec: ThingStreamSpec = {
      auth,
      selector: compileSelector(
        {
          thingIds: [thingId],
          pointer,
          ...(query.get('filter') !== null ? { filter: query.get('filter') as string } : {}),
          ...(query.get('extraFields') !== null ? { extraFields: query.get('extraFields') as string } : {}),
        },
        deps.clock,
      ),
      ...(fieldsParam && pointer.length === 0 ? { fields: parseExtraFields(fieldsParam) } : {}),
      ...(pointer.length > 0 ? { pointer } : {}),
      withIds: true,
    };
    const fromRevision = intParam(query, 'from-historical-revision');
    const toRevision = intParam(query, 'to-historical-revision');
    const fromTimestamp = timeParam(query, 'from-historical-timestamp');
    const toTimestamp = timeParam(query, 'to-historical-timestamp');
    const lastEventId = request.headers['last-event-id'];
    const resumeAfter =
      typeof lastEventId === 'string' && /^\d+$/.test(lastEventId.trim()) ? Number(lastEventId) : undefined;
    const current = await deps.things.load(thingId);
    if (!current || current.deleted)
      throw new DittoError(
        'things:thing.notfound',
        `The Thing '${thingId}' does not exist or you may not read it.`,
      );
    const historical = fromRevision !== undefined || fromTimestamp !== undefined;
    // Checks READ before the stream starts (404 otherwise); the generator is consumed below.
    const range = {
      ...(fromRevision !== undefined
        ? {
            fromRevision:
              fromRevision < 0 ? Math.max(1, current.revision + fromRevision + 1) : Math.max(1, fromRevision),
          }
        : resumeAfter !== undefined
          ? { fromRevision: resumeAfter + 1 }
          : {}),
      ...(toRevision !== undefined
        ? { toRevision: toRevision <= 0 ? current.revision + toRevision : toRevision }
        : {}),
      ...(fromTimestamp !== undefined ? { fromTimestamp } : {}),
      ...(toTimestamp !== undefined ? { toTimestamp } : {}),
    };
    const replay =
      historical || resumeAfter !== undefined ? deps.things.history(thingId, auth, range) : undefined;
    const first = replay ? await replay.next() : undefined;
    if (!replay) await deps.things.history(thingId, auth, { fromRevision: current.revision + 1 }).next();
    reply.hijack();
    const stream = start(request, reply.raw);
    const sink = sinkFor(stream, spec, `sse-${++seq}`);
    if (!historical) {
      sink.held = [];
      stream.onClose(deps.fanout.add(sink));
    }
    let last = resumeAfter ?? 0;
    try {
      let item = first;
      while (replay && item && !item.done && !stream.closed) {
        const { event, state } = item.value;
        const policyId = state.thing.policyId;
        const d =
          typeof policyId === 'string' ? await deps.fanout.project(sink, event, policyId, state) : undefined;
        if (d) send(stream, spec, d);
        last = event.revision;
        if (stream.stats.queued > deps.limits.maxQueued / 2) await stream.drained();
        item = await replay.next();
      }
    } catch (e) {
      stream.fail(
        e instanceof DittoError
          ? e
          : new DittoError('gateway:internalerror', 'The history could not be read.'),
      );
      return;
    }
    if (historical) {
      await stream.drained();
      stream.close();
      return;
    }
    const held = sink.held ?? [];
    delete sink.held;
    for (const d of held) if (d.event.revision > last) send(stream, spec, d);
  });

  app.addHook('preClose', (done) => {
    for (const s of [...streams]) s.close();
    done();
  });

  return {
    closeAll() {
      for (const s of [...streams]) s.close();
    },
  };
}

/** `inbox/messages` or `features/f/outbox/messages` without a subject. */
function parseMailboxOnly(
  rest: readonly string[],
): { featureId?: string; mailbox: 'inbox' | 'outbox'; subject?: string } | undefined {
  const tail = rest[0] === 'features' ? rest.slice(2) : rest;
  if (tail.length !== 2 || tail[1] !== 'messages' || (tail[0] !== 'inbox' && tail[0] !== 'outbox'))
    return undefined;
  return { ...(rest[0] === 'features' && rest[1] ? { featureId: rest[1] } : {}), mailbox: tail[0] };
}
